/* The Wikimedia partnerships intake widget. A site embeds it with one tag:
 *   <script src="https://<console>/widget.js" data-language="auto" async></script>
 * The console fills in CONFIG when it serves this file. The widget lives in a shadow root so the
 * host page's CSS cannot break it (nor it the page), loads the socket.io client only when a
 * conversation starts, and keeps the conversation in sessionStorage so a reload continues it.
 */
(function (CONFIG) {
  "use strict";
  if (window.IntakeChat) return; // embedded twice: keep the first

  var script = document.currentScript || document.querySelector("script[src*='widget.js']");
  var RTL = ["ar", "he", "fa", "ur"];
  var STORE = "intake-chat:v1:" + CONFIG.socketUrl;
  var MAX_KEPT = 200;

  var TEXT = {
    en: {launcher: "Partner with Wikimedia", title: "Wikimedia partnerships", subtitle: "Tell us what you have in mind",
      close: "Close the chat", log: "Conversation", input: "Your message", placeholder: "Type your message…",
      send: "Send", notice: "We keep this conversation to answer your inquiry.", privacy: "Privacy notice",
      lost: "Connection lost. Reconnecting…", back: "Reconnected.", typing: "The assistant is typing…",
      pending: "Waiting to send", you: "You", bot: "Assistant", choices: "Suggested answers"},
    es: {launcher: "Colabore con Wikimedia", title: "Alianzas de Wikimedia", subtitle: "Cuéntenos qué tiene en mente",
      close: "Cerrar el chat", log: "Conversación", input: "Su mensaje", placeholder: "Escriba su mensaje…",
      send: "Enviar", notice: "Guardamos esta conversación para responder a su consulta.", privacy: "Aviso de privacidad",
      lost: "Se perdió la conexión. Reconectando…", back: "Conexión restablecida.", typing: "El asistente está escribiendo…",
      pending: "Pendiente de envío", you: "Usted", bot: "Asistente", choices: "Respuestas sugeridas"},
    fr: {launcher: "Devenir partenaire de Wikimedia", title: "Partenariats Wikimedia", subtitle: "Dites-nous ce que vous envisagez",
      close: "Fermer la discussion", log: "Conversation", input: "Votre message", placeholder: "Écrivez votre message…",
      send: "Envoyer", notice: "Nous conservons cette conversation pour répondre à votre demande.", privacy: "Politique de confidentialité",
      lost: "Connexion perdue. Reconnexion…", back: "Connexion rétablie.", typing: "L’assistant écrit…",
      pending: "En attente d’envoi", you: "Vous", bot: "Assistant", choices: "Réponses suggérées"},
    pt: {launcher: "Seja parceiro da Wikimedia", title: "Parcerias Wikimedia", subtitle: "Conte-nos o que tem em mente",
      close: "Fechar o chat", log: "Conversa", input: "A sua mensagem", placeholder: "Escreva a sua mensagem…",
      send: "Enviar", notice: "Guardamos esta conversa para responder ao seu pedido.", privacy: "Aviso de privacidade",
      lost: "Ligação perdida. A reconectar…", back: "Ligação restabelecida.", typing: "O assistente está a escrever…",
      pending: "A aguardar envio", you: "Você", bot: "Assistente", choices: "Respostas sugeridas"},
    de: {launcher: "Partner von Wikimedia werden", title: "Wikimedia-Partnerschaften", subtitle: "Erzählen Sie uns von Ihrem Vorhaben",
      close: "Chat schließen", log: "Unterhaltung", input: "Ihre Nachricht", placeholder: "Nachricht eingeben…",
      send: "Senden", notice: "Wir speichern diese Unterhaltung, um Ihre Anfrage zu beantworten.", privacy: "Datenschutzhinweis",
      lost: "Verbindung unterbrochen. Neuer Versuch…", back: "Wieder verbunden.", typing: "Der Assistent schreibt…",
      pending: "Wird gesendet, sobald verbunden", you: "Sie", bot: "Assistent", choices: "Antwortvorschläge"},
    ar: {launcher: "الشراكة مع ويكيميديا", title: "شراكات ويكيميديا", subtitle: "أخبرونا بما تفكرون فيه",
      close: "إغلاق المحادثة", log: "المحادثة", input: "رسالتكم", placeholder: "اكتبوا رسالتكم…",
      send: "إرسال", notice: "نحتفظ بهذه المحادثة للرد على استفساركم.", privacy: "إشعار الخصوصية",
      lost: "انقطع الاتصال. جارٍ إعادة الاتصال…", back: "تمت إعادة الاتصال.", typing: "المساعد يكتب…",
      pending: "في انتظار الإرسال", you: "أنتم", bot: "المساعد", choices: "إجابات مقترحة"}
  };

  var CSS = [
    ":host{all:initial}",
    ".root{font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans Arabic',sans-serif;color:#202122}",
    ".root *{box-sizing:border-box}",
    ".launcher{position:fixed;bottom:20px;inset-inline-end:20px;z-index:2147483000;display:flex;align-items:center;gap:8px;",
    "min-height:48px;padding:12px 18px;border:0;border-radius:24px;background:#3366cc;color:#fff;font:inherit;font-weight:600;",
    "cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}",
    ".launcher:hover{background:#2a4b8d}",
    ".launcher svg{width:22px;height:22px;flex:none}",
    "button:focus-visible,a:focus-visible,textarea:focus-visible,.log:focus-visible{outline:3px solid #202122;outline-offset:2px;box-shadow:0 0 0 5px #fff}",
    ".panel{position:fixed;bottom:20px;inset-inline-end:20px;z-index:2147483001;width:380px;max-width:calc(100vw - 24px);",
    "height:600px;max-height:calc(100vh - 40px);display:flex;flex-direction:column;background:#fff;border:1px solid #a2a9b1;",
    "border-radius:8px;box-shadow:0 4px 24px rgba(0,0,0,.25);overflow:hidden}",
    ".panel[hidden]{display:none}",
    ".head{display:flex;align-items:flex-start;gap:8px;padding:12px 12px 12px 16px;background:#3366cc;color:#fff}",
    ".head .titles{flex:1;min-width:0}",
    "h2{margin:0;font-size:1.05em;font-weight:700}",
    ".subtitle{margin:2px 0 0;font-size:.875em}",
    ".lang[hidden]{display:none}.lang{flex:none;max-width:8.5em;min-height:44px;padding:0 6px;border:1px solid #fff;border-radius:6px;background:#3366cc;color:#fff;font:inherit;font-size:.875em}",
    ".close{flex:none;width:44px;height:44px;border:0;border-radius:22px;background:transparent;color:#fff;font:inherit;font-size:1.6em;line-height:1;cursor:pointer}",
    ".close:hover{background:#2a4b8d}",
    ".notice{margin:0;padding:8px 16px;font-size:.85em;background:#eaf3ff;color:#202122;border-bottom:1px solid #c8ccd1}",
    ".notice a{color:#2a4b8d;font-weight:600}",
    ".status{margin:0;padding:0 16px;font-size:.875em;background:#fef6e7;color:#202122}",
    ".status:not(:empty){padding:6px 16px;border-bottom:1px solid #c8ccd1}",
    ".log{flex:1;margin:0;padding:12px;overflow-y:auto;display:flex;flex-direction:column;gap:8px;background:#f8f9fa}",
    ".msg{max-width:88%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere;unicode-bidi:plaintext}",
    ".bot{align-self:flex-start;background:#fff;border:1px solid #c8ccd1;border-end-start-radius:2px}",
    ".user{align-self:flex-end;background:#3366cc;color:#fff;border-end-end-radius:2px}",
    ".user.pending{background:#54595d}",
    ".msg a{color:inherit;text-decoration:underline}.ref{white-space:nowrap;font-weight:600}",
    ".who{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    ".choices{display:flex;flex-wrap:wrap;gap:6px;align-self:stretch}",
    ".choices button{min-height:40px;max-width:100%;padding:8px 12px;border:2px solid #3366cc;border-radius:18px;background:#fff;",
    "color:#2a4b8d;font:inherit;font-size:.9em;font-weight:600;text-align:start;overflow-wrap:anywhere;cursor:pointer}",
    ".choices button:hover{background:#eaf3ff}",
    ".choices button:disabled{border-color:#a2a9b1;color:#54595d;background:#f8f9fa;cursor:default}",
    ".typing{align-self:flex-start;color:#54595d;font-size:.875em;font-style:italic}",
    "form{display:flex;gap:8px;align-items:flex-end;padding:10px;border-top:1px solid #c8ccd1;background:#fff}",
    "textarea{flex:1;min-width:0;min-height:44px;max-height:120px;padding:10px;border:1px solid #72777d;border-radius:6px;",
    "font:inherit;color:#202122;background:#fff;resize:none}",
    "textarea::placeholder{color:#54595d}",
    ".send{flex:none;min-height:44px;padding:0 16px;border:0;border-radius:6px;background:#3366cc;color:#fff;font:inherit;font-weight:600;cursor:pointer}",
    ".send:hover{background:#2a4b8d}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (max-width:480px){.panel{inset:0;width:auto;max-width:none;height:auto;max-height:none;border:0;border-radius:0}",
    ".launcher{bottom:12px;inset-inline-end:12px}.msg{max-width:94%}}",
    "@media (prefers-reduced-motion:no-preference){.panel{animation:rise .15s ease-out}@keyframes rise{from{transform:translateY(8px);opacity:0}}}"
  ].join("");

  function pageLanguage() {
    var wanted = (script && script.getAttribute("data-language")) || "auto";
    if (wanted === "auto") wanted = document.documentElement.lang || navigator.language || "en";
    return String(wanted).replace("_", "-").split("-")[0].toLowerCase() || "en";
  }

  function load() {
    try { return JSON.parse(sessionStorage.getItem(STORE)) || {}; } catch (e) { return {}; }
  }

  var state = load();
  var language = state.language || pageLanguage();
  var t = TEXT[language] || TEXT.en;
  var LANGUAGES = CONFIG.languages || [["en", "English"]];
  state.messages = state.messages || [];
  state.outbox = state.outbox || [];
  var socket = null, connecting = false, wasConnected = false, confirmed = false, typingTimer = null;

  function save() {
    state.messages = state.messages.slice(-MAX_KEPT);
    try { sessionStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* private mode: keep in memory */ }
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), attrs[name]);
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  // Bot text is shown as text, never as HTML; web addresses become links.
  // Links for web and e-mail addresses (also bare ones like "wikimediafoundation.org/about"), and
  // reference numbers kept on one line; everything else stays text (never parsed as HTML).
  var RICH = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}|\b(?:[a-z0-9-]+\.)+(?:org|com|net|edu|info)(?:\/[^\s<>"]*[^\s<>".,;:!?)\]])?|\bWMP-[0-9A-Z]{4,}\b)/;
  function richText(node, text) {
    String(text).split(RICH).forEach(function (part, index) {
      if (!(index % 2)) { if (part) node.appendChild(document.createTextNode(part)); return; }
      if (/^WMP-/.test(part)) node.appendChild(el("span", {"class": "ref", text: part}));
      else if (part.indexOf("@") > 0 && !/^https?:/.test(part)) node.appendChild(el("a", {href: "mailto:" + part, text: part}));
      else node.appendChild(el("a", {href: /^https?:/.test(part) ? part : "https://" + part, target: "_blank", rel: "noopener noreferrer", text: part}));
    });
    return node;
  }

  var host = el("div", {id: "intake-chat"});
  var shadow = host.attachShadow({mode: "open"});
  if (shadow.adoptedStyleSheets !== undefined && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    shadow.appendChild(el("style", {text: CSS}));
  }

  var icon = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';
  var launcher = el("button", {"class": "launcher", type: "button", "aria-expanded": "false", "aria-controls": "intake-panel"});
  launcher.innerHTML = icon;
  launcher.appendChild(el("span", {text: t.launcher}));
  var log = el("div", {"class": "log", role: "log", "aria-live": "polite", "aria-label": t.log, tabindex: "0"});
  var status = el("p", {"class": "status", role: "status"});
  var input = el("textarea", {id: "intake-input", rows: "1", maxlength: "2000", placeholder: t.placeholder, autocomplete: "off", dir: "auto"});
  var closeButton = el("button", {"class": "close", type: "button", "aria-label": t.close, text: "×"});
  var picker = el("select", {"class": "lang", "aria-label": "Language / Idioma / Langue / Sprache / اللغة"});
  LANGUAGES.forEach(function (pair) { picker.appendChild(el("option", {value: pair[0], lang: pair[0], text: pair[1]})); });
  picker.value = TEXT[language] ? language : "en";
  if (LANGUAGES.length < 2) picker.hidden = true; // nothing to choose from
  var form = el("form", {novalidate: ""}, [
    el("label", {"for": "intake-input", "class": "sr", text: t.input}),
    input,
    el("button", {"class": "send", type: "submit", text: t.send})
  ]);
  var notice = el("p", {"class": "notice"}, [document.createTextNode(t.notice + " ")]);
  notice.appendChild(el("a", {href: CONFIG.privacyUrl, target: "_blank", rel: "noopener", text: t.privacy}));
  var panel = el("section", {"class": "panel", id: "intake-panel", role: "dialog", "aria-labelledby": "intake-title", hidden: ""}, [
    el("div", {"class": "head"}, [
      el("div", {"class": "titles"}, [el("h2", {id: "intake-title", text: t.title}), el("p", {"class": "subtitle", text: t.subtitle})]),
      picker,
      closeButton
    ]),
    notice, status, log, form
  ]);
  var root = el("div", {"class": "root", lang: language, dir: RTL.indexOf(language) >= 0 ? "rtl" : "ltr"}, [launcher, panel]);
  shadow.appendChild(root);

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function renderMessage(message, index) {
    if (message.choices && message.choices.length) {
      var group = el("div", {"class": "choices", role: "group", "aria-label": t.choices});
      message.choices.forEach(function (choice) {
        var button = el("button", {type: "button", text: choice.title, dir: "auto"});
        if (message.used) button.disabled = true;
        button.addEventListener("click", function () { choose(index, choice); });
        group.appendChild(button);
      });
      if (message.text) log.appendChild(bubble("bot", message.text));
      log.appendChild(group);
      return;
    }
    var item = bubble(message.from + (message.pending ? " pending" : ""), message.text);
    if (message.pending) item.appendChild(el("span", {"class": "sr", text: " (" + t.pending + ")"}));
    if (message.image) item.appendChild(el("img", {src: message.image, alt: "", style: "max-width:100%"}));
    log.appendChild(item);
  }

  // The speaker's name is for screen readers only; the text has its own direction (dir=auto), so
  // an English reply in an Arabic conversation reads left to right and vice versa.
  function bubble(from, text) {
    return el("div", {"class": "msg " + from}, [
      el("span", {"class": "who", text: (from === "user" || from.indexOf("user ") === 0 ? t.you : t.bot) + ": "}),
      richText(el("div", {"class": "text", dir: "auto"}), text)
    ]);
  }

  function render() {
    log.textContent = "";
    state.messages.forEach(renderMessage);
    if (typingTimer) log.appendChild(el("div", {"class": "typing", text: t.typing}));
    scrollDown();
  }

  function add(message) {
    state.messages.push(message);
    save();
    render();
  }

  function showTyping(on) {
    clearTimeout(typingTimer);
    typingTimer = on ? setTimeout(function () { typingTimer = null; render(); }, 20000) : null;
  }

  function emit(text) {
    socket.emit("user_uttered", {message: text, session_id: state.sessionId, customData: {language: language}});
    showTyping(true);
  }

  // Messages typed while offline wait in the outbox (kept across reloads) and leave, in order,
  // once the server has confirmed the session again: nothing the partner typed is lost.
  function send(text, shown) {
    // Suggestions the conversation has moved past can no longer be clicked.
    state.messages.forEach(function (m) { if (m.choices && m.choices.length) m.used = true; });
    add({from: "user", text: shown || text, pending: !confirmed});
    if (confirmed) emit(text);
    else { state.outbox.push(text); save(); connect(); }
    render();
  }

  function flush() {
    var waiting = state.outbox;
    state.outbox = [];
    state.messages.forEach(function (m) { delete m.pending; });
    save();
    waiting.forEach(emit);
    render();
  }

  function choose(index, choice) {
    if (state.messages[index].used) return;
    send(choice.payload, choice.title);
    input.focus();
  }

  // The widget's own labels follow the conversation language (picked here, asked for in the
  // chat, or detected by the assistant, which then sends {language}).
  function applyLanguage(code) {
    if (!TEXT[code] || code === language) return;
    language = code;
    t = TEXT[code];
    state.language = code;
    save();
    if (LANGUAGES.some(function (pair) { return pair[0] === code; })) picker.value = code;
    root.setAttribute("lang", code);
    root.setAttribute("dir", RTL.indexOf(code) >= 0 ? "rtl" : "ltr");
    launcher.lastChild.textContent = t.launcher;
    shadow.getElementById("intake-title").textContent = t.title;
    shadow.querySelector(".subtitle").textContent = t.subtitle;
    closeButton.setAttribute("aria-label", t.close);
    log.setAttribute("aria-label", t.log);
    input.setAttribute("placeholder", t.placeholder);
    form.querySelector("label").textContent = t.input;
    form.querySelector(".send").textContent = t.send;
    notice.firstChild.textContent = t.notice + " ";
    notice.lastChild.textContent = t.privacy;
    render();
  }

  function received(data) {
    if (data && data.language && !data.text) { applyLanguage(data.language); return; }
    showTyping(false);
    var choices = (data.quick_replies || data.buttons || []).map(function (b) { return {title: b.title, payload: b.payload}; });
    var image = data.attachment && data.attachment.type === "image" && data.attachment.payload && data.attachment.payload.src;
    if (!data.text && !choices.length && !image) { render(); return; }  // e.g. {handoff}: no reply is coming
    add({from: "bot", text: data.text || "", choices: choices, image: image || undefined});
  }

  function setStatus(text) { status.textContent = text; }

  function connect() {
    if (socket || connecting) return;
    if (!window.io) {
      connecting = true;
      var tag = document.createElement("script");
      tag.src = CONFIG.socketClient;
      tag.async = true;
      tag.onload = function () { connecting = false; connect(); };
      tag.onerror = function () { connecting = false; setStatus(t.lost); setTimeout(connect, 5000); };
      document.head.appendChild(tag);
      return;
    }
    socket = window.io(CONFIG.socketUrl, {path: "/socket.io", transports: ["websocket", "polling"], tryAllTransports: true,
      reconnectionDelayMax: 5000});
    socket.on("connect", function () { socket.emit("session_request", {session_id: state.sessionId || null}); });
    socket.on("session_confirm", function (id) {
      var fresh = !state.sessionId || state.sessionId !== id;
      state.sessionId = id;
      confirmed = true;
      save();
      if (wasConnected) { setStatus(t.back); setTimeout(function () { if (confirmed) setStatus(""); }, 4000); }
      wasConnected = true;
      if (fresh && !state.messages.length && !state.outbox.length) emit(CONFIG.initPayload);
      flush();
      window.dispatchEvent(new CustomEvent("intake-chat:ready"));
    });
    socket.on(CONFIG.botEvent, received);
    socket.on("disconnect", function () { confirmed = false; setStatus(t.lost); });
    socket.on("connect_error", function () { confirmed = false; setStatus(t.lost); });
  }

  function open() {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    save();
    render();
    connect();
    input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    launcher.focus();
  }

  picker.addEventListener("change", function () {
    var code = picker.value;
    var name = picker.options[picker.selectedIndex].text;
    applyLanguage(code);
    send('/switch_language{"content_language":"' + code + '"}', name);
  });
  launcher.addEventListener("click", open);
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") close(); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });

  function mount() {
    document.body.appendChild(host);
    if (state.open) open();
    else if (state.sessionId) connect(); // a conversation in progress keeps receiving replies
    window.performance && performance.mark && performance.mark("intake-chat:interactive");
  }

  window.IntakeChat = {open: open, close: close, language: language};
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})(/*CONFIG*/{});
