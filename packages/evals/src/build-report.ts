import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** One line on a chart. */
export interface CurveSeries {
  /** Legend label. */
  readonly name: string;
  /** X values (steps, KL), ascending. */
  readonly x: readonly number[];
  /** Y values, same length as x. */
  readonly y: readonly number[];
}

/** A line chart of the report. */
export interface Curve {
  /** Title above the chart. */
  readonly title: string;
  /** X-axis label. */
  readonly xLabel: string;
  /** Y-axis label. */
  readonly yLabel?: string;
  /** Lines; each may have its own x values. */
  readonly series: readonly CurveSeries[];
}

/** A win rate with its interval, as in `report.json`. */
export interface ReportWinRate {
  readonly a: string;
  readonly b: string;
  readonly judge: string;
  readonly rate: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly n: number;
}

/** Everything the HTML report shows. Text fields are untrusted and always escaped. */
export interface ReportData {
  /** Page title. */
  readonly title: string;
  /** Free-text lines under the title (settings, machine, total time). */
  readonly notes?: readonly string[];
  /** Seconds spent per stage. */
  readonly stages?: Readonly<Record<string, number>>;
  /** Line charts: training curves, PPO reward/KL, gold vs proxy. */
  readonly curves?: readonly Curve[];
  /** Win rates with 95% intervals. */
  readonly winRates?: readonly ReportWinRate[];
  /** Tables of per-model numbers: `{ title, columns, rows: { model, values } }`. */
  readonly tables?: readonly { readonly title: string; readonly columns: readonly string[]; readonly rows: readonly { readonly label: string; readonly values: readonly (number | string)[] }[] }[];
  /** Likert histograms (counts of 1..7) per model. */
  readonly likertHistograms?: Readonly<Record<string, readonly number[]>>;
  /** Sample completions side by side. */
  readonly samples?: readonly { readonly prompt: string; readonly completions: Readonly<Record<string, string>> }[];
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}

const requireFromHere = createRequire(import.meta.url);

/**
 * Renders a self-contained HTML report (no network: uPlot's script and styles are
 * inlined) from evaluation results. Model text is escaped; the chart data travels as
 * JSON in a `<script type="application/json">` block with `<` escaped, so a completion
 * cannot close the script element.
 */
export function buildReportHtml(report: ReportData): string {
  const uplotScript = readFileSync(requireFromHere.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const uplotStyles = readFileSync(requireFromHere.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const sections: string[] = [];

  if (report.stages && Object.keys(report.stages).length > 0) {
    const rows = Object.entries(report.stages)
      .map(([stage, seconds]) => `<tr><td>${escapeHtml(stage)}</td><td class="num">${seconds.toFixed(1)}</td></tr>`)
      .join('');
    sections.push(`<section><h2>Stages</h2><table><thead><tr><th>stage</th><th>seconds</th></tr></thead><tbody>${rows}</tbody></table></section>`);
  }

  if (report.winRates && report.winRates.length > 0) {
    const rows = report.winRates
      .map((win) => {
        const pct = (value: number) => `${(100 * value).toFixed(1)}%`;
        return `<div class="win"><div class="label">${escapeHtml(win.a)} vs ${escapeHtml(win.b)} <small>(${escapeHtml(win.judge)}, n=${win.n})</small></div>
<div class="track"><div class="half"></div><div class="bar" style="width:${pct(win.rate)}"></div><div class="ci" style="left:${pct(win.ciLow)};width:${pct(Math.max(0, win.ciHigh - win.ciLow))}"></div></div>
<div class="value">${pct(win.rate)} <small>[${pct(win.ciLow)}, ${pct(win.ciHigh)}]</small></div></div>`;
      })
      .join('\n');
    sections.push(`<section><h2>Win rates (95% Wilson intervals, ties count half)</h2>${rows}</section>`);
  }

  for (const table of report.tables ?? []) {
    const head = ['', ...table.columns].map((column) => `<th>${escapeHtml(column)}</th>`).join('');
    const body = table.rows
      .map((row) => `<tr><td>${escapeHtml(row.label)}</td>${row.values.map((value) => `<td class="num">${escapeHtml(formatValue(value))}</td>`).join('')}</tr>`)
      .join('');
    sections.push(`<section><h2>${escapeHtml(table.title)}</h2><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></section>`);
  }

  if (report.likertHistograms && Object.keys(report.likertHistograms).length > 0) {
    const blocks = Object.entries(report.likertHistograms)
      .map(([model, counts]) => {
        const total = counts.reduce((sum, count) => sum + count, 0) || 1;
        const bars = counts
          .map((count, i) => `<div class="col"><div class="colbar" style="height:${((100 * count) / total).toFixed(1)}%" title="${count}"></div><span>${i + 1}</span></div>`)
          .join('');
        return `<div class="hist"><div class="label">${escapeHtml(model)}</div><div class="cols">${bars}</div></div>`;
      })
      .join('');
    sections.push(`<section><h2>Likert distributions (1–7)</h2><div class="hists">${blocks}</div></section>`);
  }

  const curves = report.curves ?? [];
  if (curves.length > 0) {
    sections.push(`<section><h2>Curves</h2>${curves.map((_, i) => `<div class="chart" id="chart-${i}"></div>`).join('')}</section>`);
  }

  if (report.samples && report.samples.length > 0) {
    const models = [...new Set(report.samples.flatMap((sample) => Object.keys(sample.completions)))];
    const head = ['prompt', ...models].map((model) => `<th>${escapeHtml(model)}</th>`).join('');
    const body = report.samples
      .map((sample) => `<tr><td><pre>${escapeHtml(sample.prompt)}</pre></td>${models.map((model) => `<td><pre>${escapeHtml(sample.completions[model] ?? '')}</pre></td>`).join('')}</tr>`)
      .join('');
    sections.push(`<section><h2>Samples</h2><div class="scroll"><table class="samples"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div></section>`);
  }

  const chartData = JSON.stringify(curves).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>${uplotStyles}
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.3rem .6rem;vertical-align:top}th{background:#f5f5f7}
.num{text-align:right;font-variant-numeric:tabular-nums}pre{white-space:pre-wrap;margin:0;font:12px/1.4 ui-monospace,monospace;max-width:32ch}
.win{display:grid;grid-template-columns:260px 1fr 170px;gap:.8rem;align-items:center;margin:.35rem 0}
.track{position:relative;height:18px;background:#f0f0f3;border-radius:3px}.bar{position:absolute;top:3px;height:12px;background:#4c7bd9;border-radius:2px}
.ci{position:absolute;top:8px;height:2px;background:#111}.half{position:absolute;left:50%;top:0;bottom:0;border-left:1px dashed #999}
.hists{display:flex;flex-wrap:wrap;gap:1.5rem}.cols{display:flex;align-items:flex-end;height:90px;gap:3px}.col{display:flex;flex-direction:column;justify-content:flex-end;align-items:center;height:100%;width:18px}
.colbar{width:100%;background:#6aa56a}.col span{font-size:11px}.chart{margin:1rem 0}.scroll{overflow-x:auto}.notes{color:#555}
</style></head><body>
<h1>${escapeHtml(report.title)}</h1>
${(report.notes ?? []).map((note) => `<p class="notes">${escapeHtml(note)}</p>`).join('\n')}
${sections.join('\n')}
<script type="application/json" id="curves">${chartData}</script>
<script>${uplotScript}</script>
<script>
(function () {
  var curves = JSON.parse(document.getElementById('curves').textContent);
  var palette = ['#4c7bd9', '#d9534c', '#3a9a5b', '#b07aa1', '#e69f00', '#555555'];
  curves.forEach(function (curve, i) {
    // uPlot wants one shared x array: merge the series' x values and leave gaps.
    var xs = Array.from(new Set([].concat.apply([], curve.series.map(function (s) { return s.x; })))).sort(function (a, b) { return a - b; });
    var data = [xs].concat(curve.series.map(function (s) {
      var at = new Map(s.x.map(function (x, j) { return [x, s.y[j]]; }));
      return xs.map(function (x) { return at.has(x) ? at.get(x) : null; });
    }));
    new uPlot({
      title: curve.title, width: Math.min(1000, window.innerWidth - 40), height: 260,
      scales: { x: { time: false } }, axes: [{ label: curve.xLabel }, { label: curve.yLabel || '' }],
      series: [{ label: curve.xLabel }].concat(curve.series.map(function (s, j) { return { label: s.name, stroke: palette[j % palette.length], spanGaps: true, width: 1.5 }; }))
    }, data, document.getElementById('chart-' + i));
  });
})();
</script>
</body></html>
`;
}

function formatValue(value: number | string): string {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(3);
}
