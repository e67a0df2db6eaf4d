/* Starts the page's interactive parts once the document is parsed, then sets window.__reportReady. */
(function () {
  "use strict";
  function start() {
    const report = window.kgbuildReport || {};
    if (report.initTables) report.initTables();
    if (report.initExplorer) report.initExplorer();
    window.__reportReadyAt = performance.now();
    window.__reportReady = true;
    document.documentElement.setAttribute("data-ready", "true");
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
