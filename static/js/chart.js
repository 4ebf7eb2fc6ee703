// Draws the spider diagram from the figure the server put in #spider-data.
(function () {
  "use strict";
  var el = document.getElementById("spider");
  var data = document.getElementById("spider-data");
  if (!el || !data || !window.Plotly) return;
  var figure = JSON.parse(data.textContent);
  var rtl = document.documentElement.dir === "rtl";
  figure.layout.legend = Object.assign({}, figure.layout.legend, { xanchor: "center" });
  if (rtl) figure.layout.font = Object.assign({}, figure.layout.font, { family: getComputedStyle(document.body).fontFamily });
  window.Plotly.newPlot(el, figure.data, figure.layout, {
    displayModeBar: false, responsive: true, locale: document.documentElement.lang
  }).then(function () { el.dataset.drawn = "true"; });
})();
