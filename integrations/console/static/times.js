// Dates in the browser's own time zone: the server writes each <time datetime="…Z"> in UTC (in
// the page's language); this rewrites its text to the viewer's local time, in the same language.
// The UTC value stays in its title (shown on hover). Without JavaScript the UTC text remains.
(function () {
  "use strict";
  function localise() {
    var lang = document.documentElement.lang || undefined;
    var format;
    try {
      format = new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short" });
    } catch (e) {
      return;  // a browser without Intl's date styles keeps the UTC text
    }
    var times = document.querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(when.getTime())) {
        times[i].textContent = format.format(when);
      }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", localise);
  } else {
    localise();
  }
})();
