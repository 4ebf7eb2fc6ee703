// Entry point of Stegvis's partial Plotly bundle: the core plus the scatterpolar trace.
// Built by tools/build-plotly.sh; see the README ("Chart bundle").
var Plotly = require('plotly.js/lib/core');
Plotly.register([require('plotly.js/lib/scatterpolar')]);
module.exports = Plotly;
