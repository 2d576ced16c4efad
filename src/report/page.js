// imbgen report: draws every chart placeholder (<div class="chart" data-chart="KIND">) with the
// inlined plotly.js from the page's JSON data (#imbgen-data: results.json; #imbgen-view: values
// the report computed). A chart that cannot be drawn shows why and logs a console error.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('imbgen-data').textContent);
  var view = JSON.parse(document.getElementById('imbgen-view').textContent);

  // Okabe-Ito colours: real rows blue, synthetic vermillion, fresh real (holdout) green.
  var REAL = '#0072B2';
  var SYNTHETIC = '#D55E00';
  var HOLDOUT = '#009E73';
  var GREY = '#6E7781';
  var SERIES = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
  // ColorBrewer RdBu: blue for positive values, red for negative, white at zero.
  var DIVERGING = [[0, '#b2182b'], [0.2, '#ef8a62'], [0.4, '#fddbc7'], [0.5, '#f7f7f7'],
    [0.6, '#d1e5f0'], [0.8, '#67a9cf'], [1, '#2166ac']];
  var SEQUENTIAL = [[0, '#f7fbff'], [0.5, '#6baed6'], [1, '#08306b']];
  var FONT = {
    family: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    size: 12,
    color: '#1f2328'
  };
  var CONFIG = {
    responsive: true,
    displaylogo: false,
    modeBarButtonsToRemove: ['select2d', 'lasso2d'],
    toImageButtonOptions: {format: 'png', scale: 2}
  };

  // ---- helpers ----

  function get(obj) {
    var at = obj;
    for (var i = 1; i < arguments.length; i++) {
      if (at === null || typeof at !== 'object') return undefined;
      at = at[arguments[i]];
    }
    return at === null ? undefined : at;
  }

  function isNum(v) { return typeof v === 'number' && isFinite(v); }

  function fmt(v, digits) {
    return isNum(v) ? v.toFixed(digits === undefined ? 3 : digits) : 'n/a';
  }

  function fmtP(p) {
    if (!isNum(p)) return 'p n/a';
    return p < 0.001 ? 'p < 0.001' : 'p = ' + p.toFixed(3);
  }

  // plotly renders a subset of HTML in labels: escape names that come from the data.
  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  }

  function need(value, what) {
    if (value === undefined) throw new Error('missing ' + what);
    return value;
  }

  function axis(title, extra) {
    var a = {
      title: {text: title},
      gridcolor: '#e6e8eb',
      linecolor: '#8c959f',
      zeroline: false,
      automargin: true
    };
    return Object.assign(a, extra || {});
  }

  function layout(extra) {
    var base = {
      font: FONT,
      paper_bgcolor: '#ffffff',
      plot_bgcolor: '#ffffff',
      margin: {l: 56, r: 16, t: 12, b: 48},
      hoverlabel: {font: {family: FONT.family}},
      legend: {orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom'}
    };
    return Object.assign(base, extra || {});
  }

  function generator(el) {
    var name = el.getAttribute('data-generator');
    return need(get(data, 'generators', name), 'generators.' + name);
  }

  function evaluation(el) {
    return need(generator(el).evaluation, 'evaluation of ' + el.getAttribute('data-generator'));
  }

  function colourOf(strategy, i) {
    return get(view, 'colors', strategy) || SERIES[i % SERIES.length];
  }

  // The first results entry of (strategy, classifier) that holds curves.
  function curvesOf(strategy, classifier) {
    var results = data.results || [];
    for (var i = 0; i < results.length; i++) {
      var e = results[i];
      if (e.strategy === strategy && e.classifier === classifier && e.curves) return e;
    }
    return undefined;
  }

  function shares(counts) {
    var total = 0;
    counts.forEach(function (c) { total += isNum(c) ? c : 0; });
    return counts.map(function (c) { return total > 0 && isNum(c) ? c / total : null; });
  }

  function centres(edges) {
    var out = [];
    for (var i = 0; i + 1 < edges.length; i++) out.push((edges[i] + edges[i + 1]) / 2);
    return out;
  }

  function diagonal() {
    return {x: [0, 1], y: [0, 1], mode: 'lines', line: {color: GREY, dash: 'dot', width: 1},
      hoverinfo: 'skip', showlegend: false};
  }

  // ---- the charts ----

  var builders = {};

  builders.classes = function () {
    var ds = need(data.dataset, 'dataset');
    var sets = [];
    if (ds.train && ds.test) {
      sets.push(['Training split', ds.train, '#0072B2'], ['Test split', ds.test, '#E69F00']);
    } else {
      sets.push(['All rows', need(ds.classes, 'dataset.classes'), '#0072B2']);
    }
    var labels = Object.keys(sets[0][1]);
    var lo = Infinity, hi = 0;
    var traces = sets.map(function (s) {
      var counts = labels.map(function (l) { return s[1][l]; });
      var sh = shares(counts);
      counts.forEach(function (c) {
        if (isNum(c) && c > 0) {
          lo = Math.min(lo, c);
          hi = Math.max(hi, c);
        }
      });
      return {
        type: 'bar', name: s[0], x: labels, y: counts, marker: {color: s[2]},
        text: counts.map(function (c, i) { return c + ' (' + fmt(100 * sh[i], 2) + '%)'; }),
        textposition: 'outside', cliponaxis: false,
        hovertemplate: '%{x}: %{y} rows<extra>' + s[0] + '</extra>'
      };
    });
    var log = hi / lo > 20;
    return {
      data: traces,
      layout: layout({
        barmode: 'group',
        xaxis: axis('class', {type: 'category'}),
        yaxis: axis(log ? 'rows (log scale)' : 'rows', {type: log ? 'log' : 'linear'}),
        margin: {l: 64, r: 16, t: 36, b: 48}
      }),
      height: 300
    };
  };

  builders.summary = function () {
    var classifiers = view.classifiers || [];
    var gains = view.summary_gains === true;
    var strategies = (view.strategies || []).filter(function (s) {
      return !gains || s !== 'none';
    });
    var z = [], text = [], m = 0;
    strategies.forEach(function (s) {
      var row = [], trow = [];
      classifiers.forEach(function (c) {
        var v = gains ? get(view, 'gain', c, s, 'diff') : get(view, 'pr_auc', c, s, 'mean');
        var p = gains ? get(view, 'gain', c, s, 'pvalue') : undefined;
        row.push(isNum(v) ? v : null);
        var t = isNum(v) ? (gains && v > 0 ? '+' : '') + fmt(v) : '';
        if (isNum(p) && p < view.alpha) t += '*';
        trow.push(t);
        if (isNum(v)) m = Math.max(m, Math.abs(v));
      });
      z.push(row);
      text.push(trow);
    });
    if (strategies.length === 0) throw new Error('no strategy besides none');
    m = m > 0 ? m : 1;
    var trace = {
      type: 'heatmap', x: classifiers.map(esc), y: strategies.map(esc), z: z, text: text,
      texttemplate: '%{text}', xgap: 2, ygap: 2, hoverongaps: false,
      colorscale: gains ? DIVERGING : SEQUENTIAL,
      zmin: gains ? -m : 0, zmax: gains ? m : 1,
      colorbar: {title: {text: gains ? 'gain' : 'PR-AUC'}, thickness: 12},
      hovertemplate: '%{y} with %{x}: %{text}<extra></extra>'
    };
    return {
      data: [trace],
      layout: layout({
        xaxis: axis('', {side: 'top', type: 'category'}),
        yaxis: axis('', {autorange: 'reversed', type: 'category'}),
        margin: {l: 110, r: 16, t: 40, b: 16}
      }),
      height: Math.max(160, 70 + 34 * strategies.length)
    };
  };

  // Points with confidence intervals (not bars from zero): differences between strategies are
  // often a few hundredths.
  builders.prauc = function () {
    var classifiers = view.classifiers || [];
    var lo = 1, hi = 0;
    var traces = (view.strategies || []).map(function (s, i) {
      var means = [], up = [], down = [];
      classifiers.forEach(function (c) {
        var v = get(view, 'pr_auc', c, s) || {};
        means.push(isNum(v.mean) ? v.mean : null);
        up.push(isNum(v.high) && isNum(v.mean) ? v.high - v.mean : null);
        down.push(isNum(v.low) && isNum(v.mean) ? v.mean - v.low : null);
        [v.mean, v.low, v.high].forEach(function (x) {
          if (isNum(x)) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
          }
        });
      });
      var t = {
        type: 'scatter', mode: 'markers', name: esc(s), x: classifiers.map(esc), y: means,
        marker: {color: colourOf(s, i), size: 11, symbol: s === 'none' ? 'diamond' : 'circle',
          line: {color: '#ffffff', width: 1}},
        hovertemplate: s + ' with %{x}: %{y:.3f}<extra></extra>'
      };
      if (view.has_statistics) {
        t.error_y = {type: 'data', symmetric: false, array: up, arrayminus: down,
          color: colourOf(s, i), thickness: 1.5, width: 4};
      }
      return t;
    });
    return {
      data: traces,
      layout: layout({
        scattermode: 'group', scattergap: 0.4,
        xaxis: axis('', {type: 'category'}),
        yaxis: axis('PR-AUC',
          hi >= lo ? {range: [Math.max(0, lo - 0.03), Math.min(1.05, hi + 0.03)]} : {}),
        margin: {l: 56, r: 16, t: 40, b: 40}
      }),
      height: 320
    };
  };

  function curveChart(el, kind) {
    var classifier = el.getAttribute('data-classifier');
    var traces = [];
    (view.strategies || []).forEach(function (s, i) {
      var e = curvesOf(s, classifier);
      var c = e && e.curves[kind];
      if (!c) return;
      var x = kind === 'roc' ? c.fpr : c.recall;
      var y = kind === 'roc' ? c.tpr : c.precision;
      var auc = get(e, 'metrics', kind === 'roc' ? 'roc_auc' : 'pr_auc');
      traces.push({
        type: 'scatter', mode: 'lines', x: x, y: y,
        name: esc(s) + ' (' + fmt(auc) + ')',
        line: {color: colourOf(s, i), width: 2, dash: s === 'none' ? 'dash' : 'solid'},
        hovertemplate: s + ': ' + (kind === 'roc' ? 'FPR %{x:.3f}, TPR %{y:.3f}' :
          'recall %{x:.3f}, precision %{y:.3f}') + '<extra></extra>'
      });
    });
    if (traces.length === 0) throw new Error('no ' + kind + ' curve for ' + classifier);
    if (kind === 'roc') {
      traces.unshift(diagonal());
    } else if (isNum(view.prevalence)) {
      traces.unshift({x: [0, 1], y: [view.prevalence, view.prevalence], mode: 'lines',
        line: {color: GREY, dash: 'dot', width: 1}, hoverinfo: 'skip', showlegend: false});
    }
    var legend = kind === 'roc' ?
      {x: 0.98, xanchor: 'right', y: 0.02, yanchor: 'bottom'} :
      {x: 0.02, xanchor: 'left', y: 0.02, yanchor: 'bottom'};
    return {
      data: traces,
      layout: layout({
        xaxis: axis(kind === 'roc' ? 'false positive rate' : 'recall', {range: [0, 1]}),
        yaxis: axis(kind === 'roc' ? 'true positive rate' : 'precision', {range: [0, 1.02]}),
        legend: Object.assign({bgcolor: 'rgba(255,255,255,0.85)', bordercolor: '#d0d7de',
          borderwidth: 1, title: {text: kind === 'roc' ? 'ROC-AUC' : 'PR-AUC'}}, legend)
      }),
      height: 380
    };
  }

  builders.roc = function (el) { return curveChart(el, 'roc'); };
  builders.pr = function (el) { return curveChart(el, 'pr'); };

  builders.history = function (el) {
    var history = need(generator(el).history, 'history');
    var cls = el.getAttribute('data-class');
    var h = cls === null ? history : need(get(history, 'classes', cls), 'history of class ' + cls);
    var xKey = ['step', 'epoch', 'iteration'].filter(function (k) {
      return Array.isArray(h[k]);
    })[0];
    var keys = Object.keys(h).filter(function (k) {
      return k !== xKey && Array.isArray(h[k]) && h[k].length > 0 && typeof h[k][0] === 'number';
    });
    var losses = keys.filter(function (k) { return /loss/i.test(k); });
    var others = keys.filter(function (k) { return !/loss/i.test(k); });
    keys = losses.concat(others);
    var twoAxes = losses.length > 0 && others.length > 0;
    var traces = keys.map(function (k, i) {
      var onRight = twoAxes && others.indexOf(k) >= 0;
      return {
        type: 'scatter', mode: 'lines', name: esc(k),
        x: xKey ? h[xKey] : h[k].map(function (_, j) { return j + 1; }), y: h[k],
        yaxis: onRight ? 'y2' : 'y',
        line: {color: SERIES[i % SERIES.length], width: 1.8, dash: onRight ? 'dot' : 'solid'}
      };
    });
    var l = layout({
      xaxis: axis(xKey || 'record'),
      yaxis: axis(losses.length > 0 ? 'loss' : 'value'),
      hovermode: 'x unified'
    });
    if (twoAxes) {
      l.yaxis2 = axis('other values (dotted)', {overlaying: 'y', side: 'right', showgrid: false,
        tickmode: 'auto'});
      l.margin = {l: 56, r: 56, t: 12, b: 48};
    }
    return {data: traces, layout: l, height: 320};
  };

  function scatterSet(points, name, colour) {
    return {
      type: 'scatter', mode: 'markers', name: name, x: points.x, y: points.y,
      marker: {color: colour, size: 4, opacity: 0.55},
      hovertemplate: name + '<extra></extra>'
    };
  }

  function embedding(el, block) {
    var plot = need(get(evaluation(el), block, 'plot'), block + '.plot');
    var traces = [scatterSet(need(plot.real, block + '.plot.real'), 'real', REAL)];
    if (plot.synthetic) traces.push(scatterSet(plot.synthetic, 'synthetic', SYNTHETIC));
    if (plot.holdout) traces.push(scatterSet(plot.holdout, 'fresh real', HOLDOUT));
    var ratio = get(evaluation(el), 'pca', 'explained_variance_ratio') || [];
    var xt = block === 'pca' ? 'PC1 (' + fmt(100 * ratio[0], 0) + '%)' : 't-SNE 1';
    var yt = block === 'pca' ? 'PC2 (' + fmt(100 * ratio[1], 0) + '%)' : 't-SNE 2';
    var extra = block === 'tsne' ? {showticklabels: false} : {};
    return {
      data: traces,
      layout: layout({xaxis: axis(xt, extra), yaxis: axis(yt, extra), hovermode: 'closest'}),
      height: 380
    };
  }

  builders.pca = function (el) { return embedding(el, 'pca'); };
  builders.tsne = function (el) { return embedding(el, 'tsne'); };

  function testOf(c) {
    var t = c.kind === 'categorical' ? c.chi_square : c.ks;
    return {statistic: get(t, 'statistic'), pvalue: get(t, 'pvalue')};
  }

  builders.columns = function (el) {
    var ev = evaluation(el);
    var alpha = isNum(get(ev, 'columns', 'alpha')) ? ev.columns.alpha : 0.01;
    var all = need(get(ev, 'columns', 'per_column'), 'columns.per_column').filter(function (c) {
      return c && c.plot;
    });
    // The columns that differ most first: smallest p-value, then largest statistic.
    all.sort(function (a, b) {
      var ta = testOf(a), tb = testOf(b);
      var pa = isNum(ta.pvalue) ? ta.pvalue : 2, pb = isNum(tb.pvalue) ? tb.pvalue : 2;
      if (pa !== pb) return pa - pb;
      return (isNum(tb.statistic) ? tb.statistic : 0) - (isNum(ta.statistic) ? ta.statistic : 0);
    });
    var cols = all.slice(0, view.max_column_plots || 24);
    if (cols.length === 0) throw new Error('no per-column plot data');
    var perRow = Math.min(4, cols.length);
    var rows = Math.ceil(cols.length / perRow);
    var rowPx = 160, top = 36;
    var height = top + rows * rowPx;
    var traces = [], annotations = [];
    var l = layout({barmode: 'overlay', bargap: 0, margin: {l: 16, r: 16, t: top, b: 8},
      legend: {orientation: 'h', x: 0, y: 1, yanchor: 'bottom'}, hovermode: 'closest'});
    cols.forEach(function (c, i) {
      var r = Math.floor(i / perRow), k = i % perRow;
      var suffix = i === 0 ? '' : String(i + 1);
      var x0 = k / perRow + 0.02, x1 = (k + 1) / perRow - 0.02;
      var y1 = 1 - (r * rowPx + 26) / (height - top);
      var y0 = 1 - ((r + 1) * rowPx - 18) / (height - top);
      l['xaxis' + suffix] = {domain: [x0, x1], anchor: 'y' + suffix, tickfont: {size: 9},
        linecolor: '#8c959f', showgrid: false, zeroline: false, nticks: 5,
        type: c.kind === 'categorical' ? 'category' : 'linear', tickangle: 0};
      l['yaxis' + suffix] = {domain: [y0, y1], anchor: 'x' + suffix, showticklabels: false,
        showgrid: false, zeroline: false, rangemode: 'tozero'};
      var p = c.plot, x, width;
      if (c.kind === 'categorical') {
        var labels = get(view, 'category_labels', c.name);
        x = (p.categories || []).map(function (code) {
          return labels && labels[code] !== undefined ? esc(labels[code]) : String(code);
        });
        // Short tick labels (the hover shows the whole one); none when there are too many.
        l['xaxis' + suffix].tickvals = x;
        var room = Math.max(3, Math.floor(40 / Math.max(1, x.length)));
        l['xaxis' + suffix].ticktext = x.map(function (t) {
          return t.length > room ? t.slice(0, room - 1) + '\u2026' : t;
        });
        l['xaxis' + suffix].showticklabels = x.length <= 10;
      } else {
        x = centres(p.edges || []);
        width = p.edges && p.edges.length > 1 ? p.edges[1] - p.edges[0] : undefined;
      }
      [['real', REAL], ['synthetic', SYNTHETIC]].forEach(function (set) {
        traces.push({
          type: 'bar', name: set[0], x: x, y: shares(p[set[0]] || []),
          width: width, marker: {color: set[1], opacity: 0.55, line: {width: 0}},
          xaxis: 'x' + suffix, yaxis: 'y' + suffix, legendgroup: set[0], showlegend: i === 0,
          hovertemplate: esc(c.name) + ' ' + set[0] + ': %{y:.3f} at %{x}<extra></extra>'
        });
      });
      var t = testOf(c);
      var differs = isNum(t.pvalue) && t.pvalue < alpha;
      annotations.push({
        text: (differs ? '<b>' : '') + esc(c.name) + (differs ? '</b>' : '') + ' \u00b7 ' +
          (c.kind === 'categorical' ? '\u03c7\u00b2 ' : 'KS ') + fmtP(t.pvalue),
        x: (x0 + x1) / 2, y: y1, xref: 'paper', yref: 'paper', xanchor: 'center', yanchor: 'bottom',
        showarrow: false, font: {size: 11, color: differs ? SYNTHETIC : FONT.color}
      });
    });
    l.annotations = annotations;
    return {data: traces, layout: l, height: height};
  };

  function correlation(plot, method, which) {
    var real = need(plot[method + '_real'], method + '_real');
    if (which === 'real') return real;
    var syn = need(plot[method + '_synthetic'], method + '_synthetic');
    if (which === 'synthetic') return syn;
    return real.map(function (row, i) {
      return row.map(function (v, j) {
        var s = syn[i][j];
        return isNum(v) && isNum(s) ? s - v : null;
      });
    });
  }

  builders.corr = function (el) {
    var plot = need(get(evaluation(el), 'correlations', 'plot'), 'correlations.plot');
    var method = el.getAttribute('data-method') || 'pearson';
    var which = el.getAttribute('data-which');
    var z = correlation(plot, method, which);
    var names = plot.columns.map(esc);
    var m = 1;
    if (which === 'diff') {
      m = 0.1;
      z.forEach(function (row) {
        row.forEach(function (v) { if (isNum(v)) m = Math.max(m, Math.abs(v)); });
      });
    }
    var many = names.length > 40;
    var tick = {tickfont: {size: names.length > 15 ? 9 : 11}, showticklabels: !many,
      type: 'category', showgrid: false, automargin: true, ticks: ''};
    return {
      data: [{
        type: 'heatmap', x: names, y: names, z: z, zmin: -m, zmax: m, colorscale: DIVERGING,
        hoverongaps: false, colorbar: {thickness: 10, len: 0.9},
        hovertemplate: '%{y} \u00d7 %{x}: %{z:.3f}<extra></extra>'
      }],
      layout: layout({
        xaxis: Object.assign({tickangle: -90}, tick),
        yaxis: Object.assign({autorange: 'reversed'}, tick),
        margin: {l: 8, r: 8, t: 8, b: 8}
      }),
      height: 360
    };
  };

  builders.detection = function (el) {
    var det = need(get(evaluation(el), 'detection'), 'detection');
    var traces = [diagonal()];
    Object.keys(det.synthetic || {}).forEach(function (name, i) {
      [['synthetic', 'solid'], ['holdout', 'dash']].forEach(function (set) {
        var r = get(det, set[0], name);
        var p = get(r, 'plot');
        if (!p) return;
        traces.push({
          type: 'scatter', mode: 'lines', x: p.fpr, y: p.tpr,
          name: esc(name) + (set[0] === 'holdout' ? ', fresh real' : '') +
            ' (' + fmt(r.roc_auc, 2) + ')',
          line: {color: SERIES[i % SERIES.length], dash: set[1], width: 2}
        });
      });
    });
    if (traces.length === 1) throw new Error('no detection curve');
    return {
      data: traces,
      layout: layout({
        xaxis: axis('false positive rate', {range: [0, 1]}),
        yaxis: axis('true positive rate', {range: [0, 1.02]}),
        legend: {x: 0.98, xanchor: 'right', y: 0.02, yanchor: 'bottom',
          bgcolor: 'rgba(255,255,255,0.85)', bordercolor: '#d0d7de', borderwidth: 1}
      }),
      height: 360
    };
  };

  builders.dcr = function (el) {
    var plot = need(get(evaluation(el), 'privacy', 'plot'), 'privacy.plot');
    var edges = need(plot.dcr_edges, 'privacy.plot.dcr_edges');
    var x = centres(edges);
    var width = edges.length > 1 ? edges[1] - edges[0] : undefined;
    var traces = [];
    var sets = [['dcr_synthetic', 'synthetic', SYNTHETIC], ['dcr_holdout', 'fresh real', HOLDOUT]];
    sets.forEach(function (s) {
      if (!plot[s[0]]) return;
      traces.push({type: 'bar', name: s[1], x: x, y: shares(plot[s[0]]), width: width,
        marker: {color: s[2], opacity: 0.6},
        hovertemplate: s[1] + ': %{y:.3f} at %{x:.2f}<extra></extra>'});
    });
    return {
      data: traces,
      layout: layout({barmode: 'overlay', bargap: 0,
        xaxis: axis('distance to the closest training record (real std units)'),
        yaxis: axis('share of rows', {rangemode: 'tozero'})}),
      height: 360
    };
  };

  // ---- drawing ----

  function build(el) {
    var kind = el.getAttribute('data-chart');
    var builder = builders[kind];
    if (!builder) throw new Error('unknown chart kind "' + kind + '"');
    return builder(el);
  }

  function draw(el) {
    var fig = build(el);
    el.style.height = (fig.height || 360) + 'px';
    return Plotly.newPlot(el, fig.data, fig.layout, CONFIG);
  }

  function failed(el, error) {
    el.classList.add('chart-error');
    el.style.height = 'auto';
    el.textContent = 'This chart could not be drawn: ' +
      (error && error.message ? error.message : error);
    console.error('imbgen report: chart "' + el.getAttribute('data-chart') + '" failed:', error);
  }

  // Charts are drawn one after another, top first, so the page stays responsive.
  var charts = Array.prototype.slice.call(document.querySelectorAll('.chart[data-chart]'));
  var drawn = 0, errors = 0;
  charts.reduce(function (previous, el) {
    return previous.then(function () {
      return new Promise(function (resolve) { setTimeout(resolve, 0); }).then(function () {
        return draw(el);
      }).then(function () { drawn++; }, function (e) { errors++; failed(el, e); });
    });
  }, Promise.resolve()).then(function () {
    document.documentElement.setAttribute('data-charts', drawn + ' drawn, ' + errors + ' failed');
  });

  // The correlation coefficient selector redraws its generator's three heatmaps.
  Array.prototype.forEach.call(document.querySelectorAll('select.corr-method'), function (select) {
    select.addEventListener('change', function () {
      var gen = select.getAttribute('data-generator');
      charts.forEach(function (el) {
        if (el.getAttribute('data-chart') !== 'corr') return;
        if (el.getAttribute('data-generator') !== gen) return;
        el.setAttribute('data-method', select.value);
        try {
          var fig = build(el);
          Plotly.react(el, fig.data, fig.layout, CONFIG);
        } catch (e) {
          failed(el, e);
        }
      });
    });
  });

  // Highlight the table of contents entry of the section in view.
  if ('IntersectionObserver' in window) {
    var links = {};
    Array.prototype.forEach.call(document.querySelectorAll('#toc a[href^="#"]'), function (a) {
      links[a.getAttribute('href').slice(1)] = a;
    });
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var a = links[entry.target.id];
        if (!a || !entry.isIntersecting) return;
        Object.keys(links).forEach(function (k) { links[k].classList.remove('active'); });
        a.classList.add('active');
      });
    }, {rootMargin: '0px 0px -70% 0px'});
    Object.keys(links).forEach(function (id) {
      var target = document.getElementById(id);
      if (target) observer.observe(target);
    });
  }
})();
