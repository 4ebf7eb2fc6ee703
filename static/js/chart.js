// Draws the spider diagram from the figure the server put in #spider-data, fitted to the width it
// gets: on a phone the circle shrinks until no area's name is cut at the edges, and the figure is
// only as tall as the circle and the legend need.
(function () {
  "use strict";
  var el = document.getElementById("spider");
  var data = document.getElementById("spider-data");
  if (!el || !data || !window.Plotly) return;
  var figure = JSON.parse(data.textContent);
  var layout = figure.layout;
  var rtl = document.documentElement.dir === "rtl";
  layout.legend = Object.assign({}, layout.legend, { xanchor: "center" });
  if (rtl) layout.font = Object.assign({}, layout.font, { family: getComputedStyle(document.body).fontFamily });
  var width = el.clientWidth;
  var narrow = width < 600;
  if (narrow) {
    layout.polar.angularaxis.tickfont = Object.assign({}, layout.polar.angularaxis.tickfont, { size: 14 });
    layout.font = Object.assign({}, layout.font, { size: 14 });
    layout.margin = { l: 40, r: 40, t: 40, b: 20 };
  }
  var legendRoom = 40 * figure.data.length;

  function sized() {
    // the circle is as wide as the plot area; the figure as tall as it and the legend
    var m = layout.margin;
    return Math.max(220, width - m.l - m.r) + m.t + m.b + legendRoom;
  }

  // How far the area names reach past the figure's edges (px, per side).
  function overflow() {
    var box = el.getBoundingClientRect();
    var over = { l: 0, r: 0, t: 0 };
    el.querySelectorAll(".angularaxistick text").forEach(function (t) {
      var r = t.getBoundingClientRect();
      over.l = Math.max(over.l, box.left - r.left);
      over.r = Math.max(over.r, r.right - box.right);
      over.t = Math.max(over.t, box.top - r.top);
    });
    return over;
  }

  function fit(round) {
    var over = overflow();
    var side = Math.ceil(Math.max(over.l, over.r));
    if ((side <= 0 && over.t <= 0) || round > 4) {
      el.dataset.drawn = "true";
      return;
    }
    var m = layout.margin;
    layout.margin = { l: m.l + side + 6, r: m.r + side + 6, t: m.t + Math.ceil(over.t) + (over.t > 0 ? 6 : 0), b: m.b };
    layout.height = sized();
    window.Plotly.relayout(el, { margin: layout.margin, height: layout.height }).then(function () {
      fit(round + 1);
    });
  }

  if (narrow) layout.height = sized();
  window.Plotly.newPlot(el, figure.data, layout, {
    displayModeBar: false, responsive: true, locale: document.documentElement.lang
  }).then(function () { fit(0); });
})();
