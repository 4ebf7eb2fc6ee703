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
  // data-fit="screen" (the dialogue view): on a wide screen the legend stands beside the circle
  // and the figure is no taller than what is left of the window, so that the whole star and its
  // legend are in sight without scrolling on a laptop.
  var beside = !narrow && el.dataset.fit === "screen";
  if (beside) {
    layout.legend = Object.assign({}, layout.legend, {
      orientation: "v", x: rtl ? -0.02 : 1.02, xanchor: rtl ? "right" : "left", y: 1, yanchor: "top"
    });
    legendRoom = 0;
    var top = el.getBoundingClientRect().top + window.scrollY;
    layout.height = Math.max(380, Math.min(layout.height, window.innerHeight - top - 12));
  }

  function sized() {
    // the circle is as wide as the plot area; the figure as tall as it and the legend
    var m = layout.margin;
    return Math.max(220, width - m.l - m.r) + m.t + m.b + legendRoom;
  }

  // How far the area names reach past the figure's edges (px, per side).
  function overflow() {
    var box = el.getBoundingClientRect();
    var legend = el.querySelector(".legend");
    var floor = legend && !beside ? legend.getBoundingClientRect().top : box.bottom;
    var over = { l: 0, r: 0, t: 0, b: 0 };
    el.querySelectorAll(".angularaxistick text").forEach(function (t) {
      var r = t.getBoundingClientRect();
      over.l = Math.max(over.l, box.left - r.left);
      over.r = Math.max(over.r, r.right - box.right);
      over.t = Math.max(over.t, box.top - r.top);
      over.b = Math.max(over.b, r.bottom - floor);  // into the legend
    });
    return over;
  }

  // The scale's numbers, upright, on the radial axis half-way between two
  // spokes (Plotly would set them beside the axis, against a spoke near the centre).
  function numbers() {
    var axis = layout.polar.radialaxis;
    var ring = el.querySelector(".angular-line path");
    var size = el._fullLayout && el._fullLayout._size;
    if (!ring || !size || !axis.tickvals) return Promise.resolve();
    var box = el.getBoundingClientRect(), r = ring.getBoundingClientRect();
    var cx = r.left + r.width / 2 - box.left - size.l, cy = r.top + r.height / 2 - box.top - size.t;
    var radius = r.width / 2, low = axis.range[0], high = axis.range[1];
    var angle = axis.angle * Math.PI / 180;
    return window.Plotly.relayout(el, { annotations: axis.tickvals.map(function (v) {
      var d = radius * (v - low) / (high - low);
      return {
        xref: "paper", yref: "paper", showarrow: false, text: String(v),
        x: (cx + d * Math.cos(angle)) / size.w, y: 1 - (cy - d * Math.sin(angle)) / size.h,
        xanchor: "center", yanchor: "middle", font: axis.tickfont
      };
    }) });
  }

  function fit(round) {
    var over = overflow();
    var side = Math.ceil(Math.max(over.l, over.r));
    if ((side <= 0 && over.t <= 0 && over.b <= 0) || round > 4) {
      numbers().then(function () { el.dataset.drawn = "true"; });
      return;
    }
    var m = layout.margin, grow = function (n) { return n > 0 ? Math.ceil(n) + 6 : 0; };
    layout.margin = { l: m.l + grow(side), r: m.r + grow(side), t: m.t + grow(over.t), b: m.b };
    if (beside) {  // the height stays: the circle shrinks to make room for the names
      layout.margin.b = m.b + grow(over.b);
    } else {
      legendRoom += grow(over.b);
      layout.height = sized();
      var size = el._fullLayout._size;
      // the legend hangs below the circle by what the names under it need
      layout.legend.y -= grow(over.b) / size.h;
    }
    window.Plotly.relayout(el, { margin: layout.margin, height: layout.height, "legend.y": layout.legend.y }).then(function () {
      fit(round + 1);
    });
  }

  if (narrow) layout.height = sized();
  window.Plotly.newPlot(el, figure.data, layout, {
    displayModeBar: false, responsive: true, locale: document.documentElement.lang
  }).then(function () { fit(0); });
})();
