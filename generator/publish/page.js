/* meditate player page: chapter links seek their track's player; the transcript follows
   playback. Plain ES5-ish script, no network access, works from file://. */
(function () {
  "use strict";

  function seek(audio, seconds, play) {
    function go() {
      audio.currentTime = seconds;
      if (play) {
        var started = audio.play();
        if (started && started.catch) { started.catch(function () {}); }
      }
    }
    if (audio.readyState >= 1) { go(); return; }
    /* Not loaded yet: seek as soon as the length is known. */
    audio.addEventListener("loadedmetadata", go, { once: true });
    if (audio.networkState === 0 || audio.preload === "none") {
      audio.preload = "metadata";
      audio.load();
    }
  }

  function setup(article) {
    var audio = article.querySelector("audio");
    if (!audio) { return; }
    var chapters = Array.prototype.slice.call(article.querySelectorAll(".chapters a[data-start]"));
    var cues = Array.prototype.slice.call(article.querySelectorAll(".cues li[data-start]"));
    var cueBox = article.querySelector(".cues");
    var details = article.querySelector(".transcript");
    var lastCue = null;

    chapters.forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        seek(audio, parseFloat(link.getAttribute("data-start")), true);
        if (history.replaceState) { history.replaceState(null, "", link.getAttribute("href")); }
      });
    });
    cues.forEach(function (li) {
      li.addEventListener("click", function () {
        seek(audio, parseFloat(li.getAttribute("data-start")), true);
      });
    });

    function follow() {
      var t = audio.currentTime, i;
      for (i = 0; i < chapters.length; i++) {
        var start = parseFloat(chapters[i].getAttribute("data-start"));
        var next = i + 1 < chapters.length ? parseFloat(chapters[i + 1].getAttribute("data-start")) : Infinity;
        if (t >= start && t < next) { chapters[i].setAttribute("aria-current", "true"); }
        else { chapters[i].removeAttribute("aria-current"); }
      }
      /* The line last begun stays lit through the silence after it, so a reader keeps
         their place in a meditation's long pauses. */
      var current = null;
      for (i = 0; i < cues.length; i++) {
        if (parseFloat(cues[i].getAttribute("data-start")) > t) { break; }
        current = cues[i];
      }
      if (current === lastCue) { return; }
      if (lastCue) { lastCue.classList.remove("now"); lastCue.removeAttribute("aria-current"); }
      lastCue = current;
      if (current) {
        current.classList.add("now");
        current.setAttribute("aria-current", "true");
        if (details && details.open && cueBox) {
          /* .cues is position: relative, so offsetTop is measured inside the box. */
          cueBox.scrollTop = current.offsetTop - cueBox.clientHeight / 3;
        }
      }
    }
    audio.addEventListener("timeupdate", follow);
    audio.addEventListener("seeked", follow);
    audio.addEventListener("play", function () {
      var all = document.querySelectorAll("audio");
      for (var i = 0; i < all.length; i++) { if (all[i] !== audio) { all[i].pause(); } }
    });
  }

  var articles = document.querySelectorAll("article.track");
  for (var i = 0; i < articles.length; i++) { setup(articles[i]); }

  /* A shared link such as index.html#evening/95.2 opens at that chapter. */
  var match = /^#([A-Za-z0-9-]+)\/([0-9.]+)$/.exec(location.hash);
  if (match) {
    var article = document.getElementById(match[1]);
    var audio = article && article.querySelector("audio");
    if (audio) { seek(audio, parseFloat(match[2]), false); article.scrollIntoView(); }
  }
})();
