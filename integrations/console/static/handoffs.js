// The hand-off inbox, live (integrations/console/pages/handoff_events.py): new partner messages,
// the list of waiting partners and the conversation's state arrive without reloading; the reply
// form is sent with fetch so the page (and what is being typed next) stays. Without this script
// every form still works as an ordinary form post. Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";
  var root = document.querySelector("[data-handoffs]");
  if (!root || !window.EventSource) { return; }
  var conversation = root.getAttribute("data-conversation");
  var transcript = document.getElementById("handoff-transcript");

  // A text of the page's language (templates/handoff_texts.html), its %(name)s filled from `values`.
  function say(name, values) {
    var text = root.getAttribute("data-text-" + name) || "";
    return text.replace(/%\((\w+)\)s/g, function (whole, key) {
      return values && values[key] !== undefined ? values[key] : whole;
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function notice(text) {
    var node = document.getElementById("live-notice");
    if (node) { node.textContent = text; node.hidden = !text; }
  }

  function showError(text) {
    var node = document.getElementById("handoff-error");
    if (node) { node.textContent = text || ""; node.hidden = !text; }
  }

  // One turn, as templates/handoff_turn.html renders it.
  function appendTurn(turn) {
    if (!transcript || document.getElementById("e" + turn.id)) { return; }
    var item = element("li", "turn " + turn.from);
    item.id = "e" + turn.id;
    var when = element("span", "when", turn.time);
    when.title = turn.at;
    item.appendChild(when);
    if (turn.who) { item.appendChild(element("span", "who", turn.who)); }
    var text = element("span", "text", turn.text);
    text.dir = "auto";
    item.appendChild(text);
    if (turn.buttons && turn.buttons.length) {
      item.appendChild(element("span", "hint", "[" + turn.buttons.join(" | ") + "]"));
    }
    transcript.appendChild(item);
    item.scrollIntoView({block: "nearest"});
  }

  // The rows of templates/handoffs.html, and the count in the navigation.
  function showList(data) {
    var count = document.getElementById("nav-waiting");
    if (count) {
      count.querySelector("[data-waiting]").textContent = data.waiting;
      count.hidden = !data.waiting;
    }
    var body = document.querySelector("#handoff-list tbody");
    if (!body) { return; }
    var heads = document.querySelectorAll("#handoff-list thead th");
    body.textContent = "";
    if (!data.rows.length) {
      var empty = element("tr");
      var cell = element("td", "", say("nobody"));
      cell.colSpan = 4;
      empty.appendChild(cell);
      body.appendChild(empty);
    }
    data.rows.forEach(function (row) {
      var tr = element("tr", row.status);
      var first = element("td");
      var link = element("a", "", row.language_name);
      link.href = "/console/handoffs/" + encodeURIComponent(row.conversation_id);
      first.appendChild(link);
      tr.appendChild(first);
      tr.appendChild(element("td", "", row.status_label));
      tr.appendChild(element("td", "", row.waited));
      tr.appendChild(element("td", "", row.claimed_by || "—"));
      // On a phone each row is a card whose cells name their column (console.css), as the
      // server renders them: the names are the header's.
      Array.prototype.forEach.call(tr.children, function (td, i) {
        if (heads[i]) { td.setAttribute("data-label", heads[i].textContent); }
      });
      body.appendChild(tr);
    });
  }

  // The open conversation's hand-off was claimed, handed back or closed.
  function showStatus(state) {
    var line = document.getElementById("handoff-status");
    if (line && state.status_label) {
      line.textContent = state.claimed_by
        ? say("status-claimed", {status: state.status_label, who: state.claimed_by})
        : say("status", {status: state.status_label});
    }
    var claim = document.getElementById("handoff-claim");
    if (claim && state.status !== "waiting") { claim.hidden = true; }
    var actions = document.getElementById("handoff-actions");
    if (actions && !state.open) {
      actions.hidden = true;
      notice(say("ended", {status: state.status_label || ""}));
    }
  }

  var url = root.getAttribute("data-events");
  if (conversation) {
    url += "?conversation=" + encodeURIComponent(conversation) + "&after=" + (transcript.getAttribute("data-after") || "0");
  }
  var source = new EventSource(url);
  source.addEventListener("open", function () { notice(""); });
  source.addEventListener("list", function (e) { showList(JSON.parse(e.data)); });
  source.addEventListener("turn", function (e) { appendTurn(JSON.parse(e.data)); });
  source.addEventListener("status", function (e) { showStatus(JSON.parse(e.data)); });
  source.addEventListener("signed_out", function () {
    source.close();
    notice(say("signed-out"));
  });
  source.addEventListener("error", function () {
    // EventSource reconnects by itself; it gives up only when the server refused the stream.
    notice(source.readyState === EventSource.CLOSED
      ? say("stopped")
      : say("reconnecting"));
  });

  // The reply form by fetch: the reply appears in the transcript through the stream.
  var form = document.getElementById("handoff-reply");
  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = form.querySelector("button[type=submit]");
      var box = form.querySelector("textarea");
      button.disabled = true;
      showError("");
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                          headers: {"Accept": "application/json"}})
        .then(function (answer) {
          return answer.json().then(function (body) {
            if (!answer.ok) { throw new Error(body.error || say("not-sent")); }
            box.value = "";
            var claim = document.getElementById("handoff-claim");
            if (claim) { claim.hidden = true; }
          });
        })
        .catch(function (error) {
          showError(error instanceof SyntaxError ? say("reload") : error.message);
        })
        .then(function () { button.disabled = false; box.focus(); });
    });
  }
}());
