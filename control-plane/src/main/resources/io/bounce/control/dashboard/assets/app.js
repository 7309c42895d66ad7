/* Bounce dashboard: the clicks chart (uPlot), its refresh, and the edit window's countdown. No inline script: this
   file is the only code the page runs, and every value it shows goes in as text. */
(function () {
  "use strict";

  function countdown() {
    var el = document.getElementById("edit-window");
    if (!el || !el.dataset.until) { return; }
    var until = Date.parse(el.dataset.until);
    /* The server's clock, not this machine's: the window is the server's to close. */
    var skew = Date.parse(el.dataset.now) - Date.now();
    var form = document.getElementById("edit-form");
    var lastText = "";
    function tick() {
      var left = Math.max(0, until - (Date.now() + skew));
      var text;
      if (left <= 0) {
        text = "The edit window has closed: the destination can no longer change.";
        if (form) { Array.prototype.forEach.call(form.elements, function (e) { e.disabled = true; }); }
      } else {
        var s = Math.ceil(left / 1000), m = Math.floor(s / 60);
        text = "You can change the destination for " + m + ":" + String(s % 60).padStart(2, "0") + " more.";
      }
      /* Announce only at whole minutes and at the end, not every second. */
      if (text !== lastText) {
        el.setAttribute("aria-live", left <= 0 || text.indexOf(":00 more") > 0 ? "polite" : "off");
        el.textContent = text;
        lastText = text;
      }
      if (left > 0) { setTimeout(tick, 1000); }
    }
    tick();
  }

  function series(report) {
    var xs = [], people = [], bots = [];
    report.timeline.forEach(function (b) {
      xs.push(Date.parse(b.start) / 1000);
      people.push(b.clicks);
      bots.push(b.botClicks);
    });
    return [xs, people, bots];
  }

  function fill(table, rows, label) {
    var body = table.tBodies[0];
    while (body.firstChild) { body.removeChild(body.firstChild); }
    rows.slice(0, 10).forEach(function (r) {
      var tr = document.createElement("tr");
      [label(r), String(r.clicks)].forEach(function (v) {
        var td = document.createElement("td");
        td.textContent = v;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function clicks() {
    var section = document.getElementById("clicks");
    var data = document.getElementById("report");
    var box = document.getElementById("chart");
    if (!section || !data || !box || typeof uPlot === "undefined") { return; }
    var report = JSON.parse(data.textContent);
    var granularity = section.dataset.granularity;
    var plot = new uPlot({
      width: Math.max(280, box.clientWidth),
      height: 260,
      series: [
        { value: function (u, v) { return v == null ? "" : new Date(v * 1000).toISOString().slice(0, granularity === "hour" ? 16 : 10).replace("T", " "); } },
        { label: "People", stroke: "#0b57d0", fill: "rgba(11,87,208,0.35)", width: 1, paths: uPlot.paths.bars({ size: [0.7, 60], align: 1 }) },
        { label: "Bots and previews", stroke: "#b3261e", fill: "rgba(179,38,30,0.35)", width: 1, paths: uPlot.paths.bars({ size: [0.35, 30], align: 1 }) }
      ],
      axes: [{}, { label: "Clicks" }],
      /* The whole period asked for, even where nobody clicked: a bucket with no click has no bar. */
      scales: { x: { time: true, range: function () { return [Date.parse(report.from) / 1000, Date.parse(report.to) / 1000]; } },
                y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } }
    }, series(report), box);
    box.dataset.total = String(report.clicks);

    var updated = document.getElementById("updated");
    function show(r) {
      report = r;
      plot.setData(series(r));
      box.dataset.total = String(r.clicks);
      box.setAttribute("aria-label", "Clicks per " + granularity + ": people and bots, " + r.clicks + " clicks in all");
      ["clicks", "uniqueVisitors", "botClicks"].forEach(function (k) {
        var el = section.querySelector('[data-stat="' + k + '"]');
        if (el) { el.textContent = String(r[k]); }
      });
      Array.prototype.forEach.call(section.querySelectorAll("table[data-breakdown]"), function (t) {
        fill(t, r[t.dataset.breakdown] || [], function (e) { return e.name === "" ? "(none)" : e.name; });
      });
      var timeline = document.getElementById("timeline");
      if (timeline) {
        var body = timeline.tBodies[0];
        while (body.firstChild) { body.removeChild(body.firstChild); }
        r.timeline.forEach(function (b) {
          var tr = document.createElement("tr");
          [b.start.slice(0, 16).replace("T", " ") + " UTC", String(b.clicks), String(b.botClicks)].forEach(function (v) {
            var td = document.createElement("td");
            td.textContent = v;
            tr.appendChild(td);
          });
          body.appendChild(tr);
        });
      }
      if (updated) { updated.textContent = "Updated " + new Date().toLocaleTimeString(); }
    }
    var busy = false;
    function refresh() {
      if (busy) { return; }
      busy = true;
      fetch(section.dataset.report, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (res) { if (!res.ok) { throw new Error("HTTP " + res.status); } return res.json(); })
        .then(show)
        .catch(function (e) { if (updated) { updated.textContent = "Could not refresh (" + e.message + ")"; } })
        .then(function () { busy = false; });
    }
    var every = parseInt(section.dataset.refreshMs, 10) || 5000;
    setInterval(function () { if (document.visibilityState === "visible") { refresh(); } }, every);
    var button = document.getElementById("refresh");
    if (button) { button.addEventListener("click", refresh); }
    window.addEventListener("resize", function () { plot.setSize({ width: Math.max(280, box.clientWidth), height: 260 }); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    countdown();
    clicks();
  });
}());
