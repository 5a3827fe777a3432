/* meditate player page: chapter links and transcript lines seek their track's player; the
   transcript follows playback; a practice log kept in this browser only; tracks kept for
   offline listening through the service worker. Plain ES5-ish script; it fetches nothing
   from any other site and sends nothing anywhere. */
(function () {
  "use strict";

  var KEPT = "meditate-kept";
  var LOG_KEY = "meditate-practice:" + location.pathname.replace(/[^\/]*$/, "");
  var HEARD_SHARE = 0.8; /* a track counts as practised once this much of it was heard */

  function seek(audio, seconds, play) {
    function go() {
      audio.currentTime = seconds;
      if (play) {
        var started = audio.play();
        if (started && started.catch) { started.catch(function () {}); }
      }
    }
    if (audio.readyState >= 1) { go(); return; }
    /* Not loaded yet (the page loads no audio until asked): seek once the length is known. */
    audio.addEventListener("loadedmetadata", go, { once: true });
    if (audio.networkState === 0 || audio.preload === "none") {
      audio.preload = "metadata";
      audio.load();
    }
  }

  function startOf(element) { return parseFloat(element.getAttribute("data-start")); }

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
        seek(audio, startOf(link), true);
        if (history.replaceState) { history.replaceState(null, "", "#" + article.id + "/" + link.getAttribute("data-start")); }
      });
    });
    cues.forEach(function (li) {
      var button = li.querySelector("button");
      (button || li).addEventListener("click", function () { seek(audio, startOf(li), true); });
    });

    function follow() {
      var t = audio.currentTime, i;
      for (i = 0; i < chapters.length; i++) {
        var next = i + 1 < chapters.length ? startOf(chapters[i + 1]) : Infinity;
        if (t >= startOf(chapters[i]) && t < next) { chapters[i].setAttribute("aria-current", "true"); }
        else { chapters[i].removeAttribute("aria-current"); }
      }
      /* The line last begun stays lit through the silence after it, so a reader keeps
         their place in a meditation's long pauses. */
      var current = null;
      for (i = 0; i < cues.length; i++) {
        if (startOf(cues[i]) > t) { break; }
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
    listen(article, audio);
    offer(article, audio);
  }

  /* --- the practice log: in localStorage, never sent ------------------------------------ */

  function readLog() {
    try { return JSON.parse(localStorage.getItem(LOG_KEY)) || { days: {} }; }
    catch (e) { return { days: {} }; }
  }

  function today() {
    var d = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
  }

  function record(id) {
    var log = readLog(), day = today();
    var done = log.days[day] || (log.days[day] = []);
    if (done.indexOf(id) < 0) { done.push(id); }
    try { localStorage.setItem(LOG_KEY, JSON.stringify(log)); } catch (e) { /* storage off: nothing kept */ }
    showLog();
  }

  /* Counts time actually played (seeks are not listening), once per playing through. */
  function listen(article, audio) {
    var heard = 0, last = null, counted = false;
    audio.addEventListener("seeking", function () { last = null; });
    audio.addEventListener("pause", function () { last = null; });
    audio.addEventListener("timeupdate", function () {
      var t = audio.currentTime;
      if (!audio.paused && last !== null && t > last && t - last < 5) { heard += t - last; }
      last = audio.paused ? null : t;
      var length = audio.duration || parseFloat(audio.getAttribute("data-duration"));
      if (!counted && length > 0 && heard >= HEARD_SHARE * length) {
        counted = true;
        record(article.id);
      }
    });
    audio.addEventListener("ended", function () { heard = 0; counted = false; last = null; });
  }

  function titleOf(id) {
    var heading = document.getElementById(id + "-title");
    return heading ? heading.textContent : id;
  }

  function showLog() {
    var section = document.getElementById("practice");
    if (!section) { return; }
    var log = readLog();
    var days = Object.keys(log.days).sort().reverse();
    var summary = section.querySelector(".practice-summary");
    var list = section.querySelector(".practice-days");
    list.textContent = "";
    section.querySelector(".practice-clear").hidden = days.length === 0;
    if (!days.length) { return; }
    var when = new Date(days[0] + "T12:00:00").toLocaleDateString(document.documentElement.lang,
      { weekday: "long", day: "numeric", month: "long" });
    summary.textContent = days.length + (days.length === 1 ? " day" : " days") + " of practice on this device; the latest " + when + ".";
    days.slice(0, 14).forEach(function (day) {
      var item = document.createElement("li");
      var time = document.createElement("time");
      time.setAttribute("datetime", day);
      time.textContent = new Date(day + "T12:00:00").toLocaleDateString(document.documentElement.lang,
        { weekday: "short", day: "numeric", month: "short" });
      item.appendChild(time);
      item.appendChild(document.createTextNode(": " + log.days[day].map(titleOf).join(", ")));
      list.appendChild(item);
    });
  }

  /* --- keeping tracks for offline listening ----------------------------------------------- */

  var offline = "serviceWorker" in navigator && "caches" in window && /^https?:$/.test(location.protocol);

  function filesOf(article) {
    var urls = [article.querySelector("audio").src];
    var vtt = article.getAttribute("data-captions");
    if (vtt) { urls.push(new URL(vtt, location.href).href); }
    return urls;
  }

  function offer(article, audio) {
    var box = article.querySelector(".offline");
    if (!offline || !box) { return; }
    var button = box.querySelector(".keep");
    var state = box.querySelector(".kept-state");
    box.hidden = false;
    button.addEventListener("click", function () {
      var keep = button.getAttribute("aria-pressed") !== "true";
      state.textContent = keep ? "Keeping…" : "Removing…";
      (keep ? keepTrack(article) : removeTrack(article)).then(refreshKept, function (error) {
        state.textContent = "Could not keep it here (" + (error && error.message || error) + ").";
      });
    });
  }

  function keepTrack(article) {
    return navigator.serviceWorker.ready.then(function () {
      return caches.open(KEPT);
    }).then(function (cache) { return cache.addAll(filesOf(article)); });
  }

  function removeTrack(article) {
    return caches.open(KEPT).then(function (cache) {
      return Promise.all(filesOf(article).map(function (url) { return cache.delete(url); }));
    });
  }

  function refreshKept() {
    if (!offline) { return Promise.resolve(); }
    return caches.open(KEPT).then(function (cache) { return cache.keys(); }).then(function (requests) {
      var kept = requests.map(function (r) { return r.url; });
      var section = document.getElementById("kept");
      var list = section.querySelector(".kept-list");
      list.textContent = "";
      var any = false;
      Array.prototype.forEach.call(document.querySelectorAll("article.track"), function (article) {
        var isKept = kept.indexOf(article.querySelector("audio").src) >= 0;
        var button = article.querySelector(".keep");
        if (!button) { return; }
        button.setAttribute("aria-pressed", isKept ? "true" : "false");
        article.querySelector(".kept-state").textContent = isKept ? "Kept on this device." : "";
        article.classList.toggle("is-kept", isKept);
        if (!isKept) { return; }
        any = true;
        var item = document.createElement("li");
        item.appendChild(document.createTextNode(titleOf(article.id) + " "));
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "remove";
        remove.textContent = "Remove";
        var what = document.createElement("span");
        what.className = "visually-hidden";
        what.textContent = " " + titleOf(article.id) + " from this device";
        remove.appendChild(what);
        remove.addEventListener("click", function () { removeTrack(article).then(refreshKept); });
        item.appendChild(remove);
        list.appendChild(item);
      });
      section.hidden = !any;
    });
  }

  var articles = document.querySelectorAll("article.track");
  for (var i = 0; i < articles.length; i++) { setup(articles[i]); }
  showLog();
  var clear = document.querySelector(".practice-clear");
  if (clear) {
    clear.addEventListener("click", function () {
      try { localStorage.removeItem(LOG_KEY); } catch (e) { /* nothing kept */ }
      document.querySelector(".practice-summary").textContent = "The log is cleared.";
      showLog();
    });
  }
  if (offline) {
    navigator.serviceWorker.register("sw.js").catch(function () { /* the page still works online */ });
    refreshKept();
  }

  /* A shared link such as index.html#evening/95.2 opens at that chapter. */
  var match = /^#([A-Za-z0-9-]+)\/([0-9.]+)$/.exec(location.hash);
  if (match) {
    var article = document.getElementById(match[1]);
    var audio = article && article.querySelector("audio");
    if (audio) { seek(audio, parseFloat(match[2]), false); article.scrollIntoView(); }
  }
})();
