// Switchplane status page: fetches the server-rendered content again every second and swaps it in.
// The server escapes every text it renders; nothing here builds HTML from data.
(function () {
  "use strict";
  var main = document.getElementById("status");
  var live = document.getElementById("live");
  var busy = false;

  function mark(ok) {
    live.textContent = ok ? "live" : "stale: manager not answering";
    live.setAttribute("data-live", ok ? "true" : "false");
  }

  function refresh() {
    if (busy) {
      return;
    }
    busy = true;
    fetch("status/fragment", { cache: "no-store" })
      .then(function (r) {
        if (!r.ok) {
          throw new Error("HTTP " + r.status);
        }
        return r.text();
      })
      .then(function (html) {
        main.innerHTML = html;
        mark(true);
      })
      .catch(function () {
        mark(false);
      })
      .finally(function () {
        busy = false;
      });
  }

  setInterval(refresh, 1000);
})();
