/* meditate player page: chapter links and transcript lines seek their track's player; the
   transcript follows playback; each track resumes where it was left (saved in this browser
   only); 15-second skips, keyboard shortcuts and the lock screen's controls (Media
   Session); the listener's choice of background mix; a practice log and the practitioner's
   plan, kept in this browser only; tracks kept for offline listening through the service
   worker. Plain ES5-ish script; it fetches nothing from any other site and sends nothing
   anywhere. */
(function () {
  "use strict";

  var KEPT = "meditate-kept";
  var BASE = location.pathname.replace(/[^\/]*$/, "");
  var LOG_KEY = "meditate-practice:" + BASE;
  var PLACE_KEY = "meditate-places:" + BASE; /* where each track was left: {id: seconds} */
  var MIX_KEY = "meditate-mix:" + BASE; /* the background the listener chose: made, softer, voice */
  var SKIP = 15; /* seconds of the back and forward buttons and keys */
  var players = {}; /* by article id */
  var current = null; /* the player the keys and the lock screen act on */

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }

  function store(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage off: nothing kept */ }
  }

  function clockOf(seconds) {
    var total = Math.round(seconds), h = Math.floor(total / 3600), m = Math.floor(total / 60) % 60, s = total % 60;
    return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }
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
    /* A player already asked to play is loading: load() again would stop it. */
    if (audio.paused && (audio.networkState === 0 || audio.preload === "none")) {
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
    var player = players[article.id] = { article: article, audio: audio, chapters: chapters, chapter: null, pending: null };

    chapters.forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        player.pending = null;
        seek(audio, startOf(link), true);
        if (history.replaceState) { history.replaceState(null, "", "#" + article.id + "/" + link.getAttribute("data-start")); }
      });
    });
    cues.forEach(function (li) {
      var button = li.querySelector("button");
      (button || li).addEventListener("click", function () { player.pending = null; seek(audio, startOf(li), true); });
    });

    function follow() {
      var t = audio.currentTime, i, chapter = null;
      for (i = 0; i < chapters.length; i++) {
        var next = i + 1 < chapters.length ? startOf(chapters[i + 1]) : Infinity;
        if (t >= startOf(chapters[i]) && t < next) { chapters[i].setAttribute("aria-current", "true"); chapter = chapters[i]; }
        else { chapters[i].removeAttribute("aria-current"); }
      }
      if (chapter !== player.chapter) {
        player.chapter = chapter;
        if (current === player) { describe(player); }
      }
      /* The line last begun stays lit through the silence after it, so a reader keeps
         their place in a meditation's long pauses. */
      var line = null;
      for (i = 0; i < cues.length; i++) {
        if (startOf(cues[i]) > t) { break; }
        line = cues[i];
      }
      if (line === lastCue) { return; }
      if (lastCue) { lastCue.classList.remove("now"); lastCue.removeAttribute("aria-current"); }
      lastCue = line;
      if (line) {
        line.classList.add("now");
        line.setAttribute("aria-current", "true");
        if (details && details.open && cueBox) {
          /* .cues is position: relative, so offsetTop is measured inside the box. */
          cueBox.scrollTop = line.offsetTop - cueBox.clientHeight / 3;
        }
      }
    }
    audio.addEventListener("timeupdate", follow);
    audio.addEventListener("seeked", follow);
    audio.addEventListener("play", function () {
      var all = document.querySelectorAll("audio");
      for (var i = 0; i < all.length; i++) { if (all[i] !== audio) { all[i].pause(); } }
      current = player;
      describe(player);
    });
    listen(article, audio);
    remember(player);
    controls(player);
    mixes(player);
    offer(article, audio);
  }

  /* --- back where they stopped: the place of each track, on this device only ---------- */

  function remember(player) {
    var audio = player.audio, id = player.article.id, saved = 0;
    var note = player.article.querySelector(".resume");
    var place = load(PLACE_KEY, {})[id];
    function keep(t) {
      if (Math.abs(t - saved) < 1 && t !== 0) { return; }
      saved = t;
      var places = load(PLACE_KEY, {});
      if (t > 0) { places[id] = Math.round(t * 10) / 10; } else { delete places[id]; }
      store(PLACE_KEY, places);
    }
    if (place > 0 && note) {
      player.pending = place;
      note.querySelector(".resume-at").textContent = "You stopped at " + clockOf(place) + "; it plays on from there.";
      note.hidden = false;
    }
    /* Resuming waits for the listener's play: opening the page loads no audio. */
    audio.addEventListener("play", function () {
      if (player.pending !== null && audio.currentTime < 0.5) { seek(audio, player.pending, false); }
      player.pending = null;
    });
    audio.addEventListener("timeupdate", function () { if (!audio.paused && !player.switching) { keep(audio.currentTime); } });
    audio.addEventListener("pause", function () { if (!audio.ended && !player.switching) { keep(audio.currentTime); } });
    audio.addEventListener("seeked", function () { if (!player.switching) { keep(audio.currentTime); } });
    audio.addEventListener("ended", function () { keep(0); if (note) { note.hidden = true; } });
    if (note) {
      note.querySelector(".restart").addEventListener("click", function () {
        player.pending = null;
        keep(0);
        note.hidden = true;
        seek(audio, 0, true);
      });
    }
  }

  function skip(player, seconds) {
    var audio = player.audio;
    var from = audio.readyState >= 1 ? audio.currentTime : (player.pending || 0);
    var length = audio.duration || parseFloat(audio.getAttribute("data-duration")) || Infinity;
    player.pending = null;
    seek(audio, Math.max(0, Math.min(from + seconds, length - 0.1)), false);
  }

  function toggle(player) {
    var audio = player.audio;
    if (audio.paused) {
      var started = audio.play();
      if (started && started.catch) { started.catch(function () {}); }
    } else { audio.pause(); }
  }

  function controls(player) {
    Array.prototype.forEach.call(player.article.querySelectorAll("button[data-skip]"), function (button) {
      button.addEventListener("click", function () {
        current = player;
        skip(player, parseFloat(button.getAttribute("data-skip")));
      });
    });
  }

  /* Space or K plays and pauses, the arrows or J and L skip 15 s: on the track last played
     (else the first), unless the key belongs to what has focus (a button, a radio, the
     player's own slider). */
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var tag = event.target && event.target.tagName;
    if (/^(INPUT|TEXTAREA|SELECT|AUDIO)$/.test(tag)) { return; }
    var key = event.key, player = current || players[Object.keys(players)[0]];
    if (!player) { return; }
    if ((key === " " && !/^(BUTTON|A|SUMMARY)$/.test(tag)) || key === "k" || key === "K") { toggle(player); }
    else if (key === "ArrowLeft" || key === "j" || key === "J") { skip(player, -SKIP); }
    else if (key === "ArrowRight" || key === "l" || key === "L") { skip(player, SKIP); }
    else { return; }
    current = player;
    event.preventDefault();
  });

  /* --- the lock screen: Media Session metadata and actions ------------------------------ */

  var session = "mediaSession" in navigator && typeof MediaMetadata === "function" ? navigator.mediaSession : null;

  function describe(player) {
    if (!session) { return; }
    var article = player.article, artwork = [];
    try { artwork = JSON.parse(article.getAttribute("data-artwork") || "[]"); } catch (e) { artwork = []; }
    artwork = artwork.map(function (a) { return { src: new URL(a.src, location.href).href, sizes: a.sizes, type: a.type }; });
    session.metadata = new MediaMetadata({
      title: titleOf(article.id),
      artist: article.getAttribute("data-artist") || "",
      album: player.chapter ? player.chapter.lastElementChild.textContent : (article.getAttribute("data-album") || ""),
      artwork: artwork
    });
    position(player);
  }

  function position(player) {
    var audio = player.audio;
    if (!session || !session.setPositionState || !(audio.duration > 0) || !isFinite(audio.duration)) { return; }
    try {
      session.setPositionState({ duration: audio.duration, playbackRate: audio.playbackRate || 1,
                                 position: Math.min(audio.currentTime, audio.duration) });
    } catch (e) { /* a browser that refuses the state still plays */ }
  }

  function chapterStep(player, direction) {
    var starts = player.chapters.map(startOf), t = player.audio.currentTime, i;
    if (direction > 0) {
      for (i = 0; i < starts.length; i++) { if (starts[i] > t + 0.5) { seek(player.audio, starts[i], false); return; } }
    } else {
      for (i = starts.length - 1; i >= 0; i--) { if (starts[i] < t - 3) { seek(player.audio, starts[i], false); return; } }
      seek(player.audio, 0, false);
    }
  }

  if (session) {
    var actions = {
      play: function () { if (current) { current.audio.play(); } },
      pause: function () { if (current) { current.audio.pause(); } },
      seekbackward: function (d) { if (current) { skip(current, -((d && d.seekOffset) || SKIP)); } },
      seekforward: function (d) { if (current) { skip(current, (d && d.seekOffset) || SKIP); } },
      seekto: function (d) {
        if (!current || !d || typeof d.seekTime !== "number") { return; }
        current.pending = null;
        if (d.fastSeek && current.audio.fastSeek) { current.audio.fastSeek(d.seekTime); }
        else { seek(current.audio, d.seekTime, false); }
      },
      previoustrack: function () { if (current) { chapterStep(current, -1); } },
      nexttrack: function () { if (current) { chapterStep(current, 1); } }
    };
    Object.keys(actions).forEach(function (name) {
      try { session.setActionHandler(name, actions[name]); } catch (e) { /* not supported here */ }
    });
    document.addEventListener("seeked", function (event) {
      if (current && event.target === current.audio) { position(current); }
    }, true);
  }

  /* --- the background: as made, softer, voice only --------------------------------------- */

  /* Another mix of the same track, at the same place, playing if it was: the new file is
     asked for from the very position the old one had reached. */
  function useMix(player, mix) {
    var audio = player.audio;
    var choice = player.article.querySelector('.mixes input[value="' + mix + '"]');
    if (!choice) { return; }
    var url = new URL(choice.getAttribute("data-src"), location.href).href;
    choice.checked = true;
    if (audio.src === url) { return; }
    var started = audio.readyState >= 1 || !audio.paused;
    var at = audio.readyState >= 1 ? audio.currentTime : (player.pending || 0);
    var playing = !audio.paused;
    player.switching = true;
    audio.src = url;
    if (started) {
      player.pending = null;
      audio.addEventListener("seeked", function () { player.switching = false; }, { once: true });
      seek(audio, at, playing);
    } else { player.switching = false; }
    player.article.setAttribute("data-mix", mix);
  }

  function mixes(player) {
    var box = player.article.querySelector(".mixes");
    if (!box) { return; }
    var chosen = load(MIX_KEY, "made");
    if (chosen !== "made") { useMix(player, chosen); }
    Array.prototype.forEach.call(box.querySelectorAll("input"), function (input) {
      input.addEventListener("change", function () {
        if (!input.checked) { return; }
        store(MIX_KEY, input.value);
        useMix(player, input.value);
        refreshKept();
      });
    });
  }

  /* --- the practice log: in localStorage, never sent ------------------------------------ */

  function readLog() {
    try { return JSON.parse(localStorage.getItem(LOG_KEY)) || { days: {} }; }
    catch (e) { return { days: {} }; }
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function isoDay(d) { return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()); }

  /* The listener's own date; ?day=YYYY-MM-DD in the address stands in for it (to see a
     plan's other days, and for tests, which never read the clock). */
  function today() {
    var given = /[?&]day=(\d{4}-\d{2}-\d{2})(&|$)/.exec(location.search);
    return given ? given[1] : isoDay(new Date());
  }

  function dayAfter(day, n) {
    var d = new Date(day + "T12:00:00");
    d.setDate(d.getDate() + n);
    return isoDay(d);
  }

  function record(id) {
    var log = readLog(), day = today();
    var done = log.days[day] || (log.days[day] = []);
    if (done.indexOf(id) < 0) { done.push(id); }
    try { localStorage.setItem(LOG_KEY, JSON.stringify(log)); } catch (e) { /* storage off: nothing kept */ }
    showLog();
    showPlan();
  }

  /* --- the practitioner's plan: today's part, and what of it is done ------------------- */

  function planned(plan, day) {
    if (day < plan.start || (plan.end && day > plan.end)) { return []; }
    var weekday = (new Date(day + "T12:00:00").getDay() + 6) % 7; /* 0 = Monday, as in the plan */
    var since = Math.round((new Date(day + "T12:00:00") - new Date(plan.start + "T12:00:00")) / 864e5);
    return plan.items.filter(function (item) {
      return item.weekdays.length ? item.weekdays.indexOf(weekday) >= 0 : since % item.every === 0;
    });
  }

  function showPlan() {
    var section = document.getElementById("plan");
    if (!section) { return; }
    var plan = JSON.parse(section.getAttribute("data-plan"));
    var day = today(), log = readLog(), done = log.days[day] || [];
    var list = section.querySelector(".plan-today");
    section.querySelector(".plan-day").textContent = new Date(day + "T12:00:00").toLocaleDateString(
      document.documentElement.lang, { weekday: "long", day: "numeric", month: "long" });
    list.textContent = "";
    var due = planned(plan, day);
    section.querySelector(".plan-none").hidden = due.length > 0;
    due.forEach(function (item) {
      var li = document.createElement("li"), link = document.createElement("a"), state = document.createElement("span");
      var isDone = done.indexOf(item.id) >= 0;
      li.className = isDone ? "done" : "due";
      if (item.times.length) { li.appendChild(document.createTextNode(item.times.join(", ") + " ")); }
      link.href = "#" + item.id;
      link.textContent = titleOf(item.id);
      li.appendChild(link);
      state.className = "plan-state";
      state.textContent = isDone ? " \u2713 done today" : " not yet today";
      li.appendChild(state);
      if (item.note) { li.appendChild(document.createTextNode(" \u2014 " + item.note)); }
      list.appendChild(li);
    });
    var streak = section.querySelector(".plan-streak");
    if (plan.streaks && streak) {
      /* Days in a row with some practice, ending today (or yesterday, when today is still open). */
      var count = 0, at = done.length ? day : dayAfter(day, -1);
      while (log.days[at] && log.days[at].length) { count++; at = dayAfter(at, -1); }
      streak.hidden = count === 0;
      streak.textContent = count + (count === 1 ? " day" : " days") + " of practice in a row.";
    }
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

  /* Every mix of the track goes, whichever was kept. */
  function removeTrack(article) {
    var urls = filesOf(article).concat(Array.prototype.map.call(article.querySelectorAll(".mixes input"), function (input) {
      return new URL(input.getAttribute("data-src"), location.href).href;
    }));
    return caches.open(KEPT).then(function (cache) {
      return Promise.all(urls.map(function (url) { return cache.delete(url); }));
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
  showPlan();
  var clear = document.querySelector(".practice-clear");
  if (clear) {
    clear.addEventListener("click", function () {
      try { localStorage.removeItem(LOG_KEY); } catch (e) { /* nothing kept */ }
      document.querySelector(".practice-summary").textContent = "The log is cleared.";
      showLog();
      showPlan();
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
    if (audio) { players[article.id].pending = null; seek(audio, parseFloat(match[2]), false); article.scrollIntoView(); }
  }
})();
