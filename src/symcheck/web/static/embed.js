/* symcheck embed: paste
 *   <script src="https://YOUR-SYMCHECK/static/embed.js" data-symcheck="check" data-complaint="muscle_cramp"
 *           data-accent="#0b6e4f" data-font="Georgia, serif" async></script>
 * where the checker (data-symcheck="check") or the search box (data-symcheck="search", optional
 * data-results="https://your.site/search" for your own results page) should appear. The script inserts an
 * iframe right after itself and keeps its height equal to the content's. It accepts size messages only
 * from that iframe and only from the symcheck origin it was loaded from, and tells the frame which origin
 * embeds it (symcheck answers only origins its SYMCHECK_EMBED_ORIGINS setting allows).
 * No cookies, no storage, nothing sent anywhere else. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) { return; }
  var home = new URL(script.src, window.location.href);
  var symcheckOrigin = home.origin;
  var kind = script.getAttribute("data-symcheck") === "search" ? "search" : "check";

  var params = new URLSearchParams();
  var complaint = script.getAttribute("data-complaint");
  if (kind === "check" && complaint) { params.set("complaint", complaint); }
  var results = script.getAttribute("data-results");
  if (kind === "search" && results) { params.set("results", new URL(results, window.location.href).href); }
  var accent = script.getAttribute("data-accent");
  if (accent) { params.set("accent", accent); }
  var font = script.getAttribute("data-font");
  if (font) { params.set("font", font); }
  params.set("origin", window.location.origin);

  var frame = document.createElement("iframe");
  frame.src = symcheckOrigin + "/embed/" + kind + "?" + params.toString();
  frame.title = script.getAttribute("data-title") ||
    (kind === "check" ? "Symptom checker" : "Search conditions and symptoms");
  frame.className = "symcheck-embed";
  frame.setAttribute("data-symcheck-frame", kind);
  frame.style.display = "block";
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.height = (kind === "check" ? 720 : 140) + "px";
  script.parentNode.insertBefore(frame, script.nextSibling);

  var loads = 0;
  window.addEventListener("message", function (event) {
    if (event.origin !== symcheckOrigin || event.source !== frame.contentWindow) { return; }
    var data = event.data;
    if (!data || typeof data !== "object" || typeof data.height !== "number") { return; }
    if (data.height > 0 && data.height < 20000) {
      frame.style.height = Math.ceil(data.height) + "px";
      frame.setAttribute("data-height", String(Math.ceil(data.height)));
    }
    if (data.symcheck === "loaded") {
      loads += 1;
      // a new step of the checker: bring its top into view when the reader had scrolled past it
      if (loads > 1 && frame.getBoundingClientRect().top < 0) { frame.scrollIntoView(); }
    }
  });
  frame.addEventListener("load", function () {
    if (frame.contentWindow) { frame.contentWindow.postMessage({ symcheck: "measure" }, symcheckOrigin); }
  });
})();
