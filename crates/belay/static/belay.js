// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Pre-fill an empty time-zone field with the browser's zone.
  document.querySelectorAll("input[data-detect-tz]").forEach(function (input) {
    if (!input.value) {
      try {
        var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        if (zone) { input.value = zone; }
      } catch (e) { /* leave it blank: the server defaults to UTC */ }
    }
  });
  // Ask before destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // Live updates: new messages appear, badges follow the unread counts.
  // Member text is only ever inserted with textContent.
  var body = document.body;
  if (body.getAttribute("data-events") !== "on" || !window.EventSource) { return; }
  var me = body.getAttribute("data-handle");
  var badges = {
    messages: document.getElementById("badge-messages"),
    notices: document.getElementById("badge-notices")
  };
  function setBadge(el, n) {
    if (!el) { return; }
    el.textContent = n > 0 ? String(n) : "";
    el.hidden = !(n > 0);
  }
  function bump(el) {
    if (!el) { return; }
    setBadge(el, (parseInt(el.textContent, 10) || 0) + 1);
  }
  function counts(data) {
    try {
      var c = JSON.parse(data);
      setBadge(badges.messages, c.messages);
      setBadge(badges.notices, c.notices);
    } catch (e) { /* ignore a malformed event */ }
  }
  var source = new EventSource("/api/v1/events");
  source.addEventListener("ready", function (e) {
    counts(e.data);
    body.setAttribute("data-live", "ready");
  });
  source.addEventListener("read", function (e) { counts(e.data); });
  // A reach-out shown on this page changed: show it as it is now.
  var shown = document.getElementById("reach-out");
  var shownId = shown ? shown.getAttribute("data-reach-out") : null;
  function refreshIfShown(id) {
    if (shownId && id === shownId) { window.location.reload(); }
  }
  var banner = document.getElementById("live-banner");
  source.addEventListener("notice", function (e) {
    bump(badges.notices);
    var n;
    try { n = JSON.parse(e.data); } catch (err) { return; }
    if (n.link && shownId && n.link === "/reach-out/" + shownId) { window.location.reload(); return; }
    if (banner && n.kind === "reach_out" && n.link) {
      // Someone needs support now: say so on whatever page is open.
      banner.textContent = "";
      var a = document.createElement("a");
      a.href = n.link;
      a.id = "live-reach-out";
      a.textContent = n.text;
      banner.appendChild(a);
      banner.hidden = false;
    }
  });
  source.addEventListener("reach_out", function (e) {
    var r;
    try { r = JSON.parse(e.data); } catch (err) { return; }
    refreshIfShown(r.id);
  });
  source.addEventListener("message", function (e) {
    var m;
    try { m = JSON.parse(e.data); } catch (err) { return; }
    var other = m.from === me ? m.to : m.from;
    var thread = document.getElementById("thread");
    if (thread && thread.getAttribute("data-conversation") === other) {
      if (document.getElementById("msg-" + m.id)) { return; }
      var li = document.createElement("li");
      li.id = "msg-" + m.id;
      li.className = m.from === me ? "mine" : "theirs";
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = m.from === me ? "You" : m.from;
      var text = document.createElement("p");
      text.className = "body";
      text.textContent = m.body;
      li.appendChild(who);
      li.appendChild(text);
      thread.appendChild(li);
      var empty = document.getElementById("empty-thread");
      if (empty) { empty.parentNode.removeChild(empty); }
      if (m.from !== me) {
        // Seen on screen: reading the latest message marks it read.
        fetch("/api/v1/conversations/" + encodeURIComponent(other) + "/messages?limit=1", { credentials: "same-origin" });
      }
    } else if (m.from !== me) {
      bump(badges.messages);
    }
  });
})();
