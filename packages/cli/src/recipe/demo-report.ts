/** The demonstration as one self-contained HTML page: every image inline (PNG data URIs), every number in tables. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DemoChart } from './demo-charts.js';
import type { DemoResult } from './demo.js';
import type { FamilyScore } from './recipe-eval.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** A chart inline: its PNG as a data URI where one was rendered, else the SVG itself. */
async function chart(out: string, c: DemoChart): Promise<string> {
  const body = c.png
    ? `<img src="data:image/png;base64,${Buffer.from(await readFile(join(out, c.png))).toString('base64')}" alt="${esc(c.title)}" width="640">`
    : await readFile(join(out, c.svg), 'utf8');
  return `<figure class="chart">${body}<figcaption>${esc(c.title)} (<code>${esc(c.svg)}</code>${c.png ? `, <code>${esc(c.png)}</code>` : ''})</figcaption></figure>`;
}

async function img(out: string, rel: string, alt: string, width = 128): Promise<string> {
  const bytes = await readFile(join(out, rel));
  return `<img src="data:image/png;base64,${Buffer.from(bytes).toString('base64')}" alt="${esc(alt)}" width="${width}" style="image-rendering:pixelated">`;
}

function categoryRows(s: FamilyScore): string {
  return Object.entries(s.byCategory)
    .map(([c, v]) => `<tr><td>${esc(c)}</td><td>${v.correct}/${v.n}</td><td>${pct(v.accuracy)}</td></tr>`)
    .join('');
}

export async function demoReportHtml(r: DemoResult, out: string, modelDir: string): Promise<string> {
  const t2iCells = await Promise.all(
    r.t2i.map(async (x) => `<figure>${await img(out, x.image, x.prompt)}<figcaption>${esc(x.prompt)}${x.plan ? `<br><small>${esc(x.plan)}</small>` : ''}<br><b class="${x.correct ? 'ok' : 'bad'}">${x.correct ? 'pass' : `fail: ${esc(x.reasons.join('; '))}`}</b></figcaption></figure>`),
  );
  const s = r.scores;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mmada-tiny: held-out demonstration</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
pre{background:#f5f5f5;padding:.6em;white-space:pre-wrap}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
figure{display:inline-block;margin:.4em;width:150px;vertical-align:top;font-size:.85em}figure.chart{width:660px}.ok{color:#176f2c}.bad{color:#a11}</style></head><body>
<h1>mmada-tiny on ShapesWorld: held-out demonstration</h1>
<p>Model <code>${esc(modelDir)}</code>. Every item below comes from ShapesWorld's held-out test split. Sampling is greedy (temperature 0, one token per step)${r.sampling.guidanceScale ? `; images use classifier-free guidance w = ${r.sampling.guidanceScale}` : ''}.
The whole report took ${r.seconds.toFixed(0)} s to make.</p>
<h2>1. Text reasoning</h2>
<table><tr><th>question</th><td>${esc(r.reasoning.question)}</td></tr><tr><th>reference</th><td>${esc(r.reasoning.reference)}</td></tr><tr><th>model</th><td>${esc(r.reasoning.answer)}</td></tr></table>
<h2>2. Image understanding</h2>
<p>${await img(out, r.understanding.image, 'the scene asked about', 160)}</p>
<table><tr><th>question</th><th>model</th><th>gold</th><th></th></tr>${r.understanding.qa.map((q) => `<tr><td>${esc(q.question)}</td><td>${esc(q.answer)}</td><td>${esc(q.gold)}</td><td class="${q.correct ? 'ok' : 'bad'}">${q.correct ? 'correct' : 'wrong'}</td></tr>`).join('')}</table>
<h2>3. Text-to-image</h2>
<p>Each prompt is judged by the pixel verifier (shapes, counts, colours and positions found by segmentation).</p>
<div>${t2iCells.join('')}</div>
<p>Contact sheet, each prompt under its image with the verifier's verdict (<code>contact-sheet.png</code>, <code>contact-sheet.svg</code>):<br>${await img(out, r.contactSheet, 'contact sheet', 800)}</p>
<h2>4. Inpainting</h2>
<p>The image token of one cell (${esc(r.inpainting.cell)}) of the reference for “${esc(r.inpainting.prompt)}” is masked and regenerated from the prompt and the other cells:
<b class="${r.inpainting.correct ? 'ok' : 'bad'}">${r.inpainting.correct ? 'the verifier accepts the result' : 'the verifier rejects the result'}</b>.</p>
<p>${await img(out, r.inpainting.original, 'original')} ${await img(out, r.inpainting.masked, 'masked cell')} ${await img(out, r.inpainting.inpainted, 'inpainted')}</p>
<h2>5. Held-out scores</h2>
<table><tr><th>family</th><th>items</th><th>accuracy</th></tr>
<tr><td>text reasoning (think format ${pct(s.reasoning.thinkFormatRate)})</td><td>${s.reasoning.n}</td><td>${pct(s.reasoning.accuracy)}</td></tr>
<tr><td>image understanding</td><td>${s.understanding.n}</td><td>${pct(s.understanding.accuracy)}</td></tr>
<tr><td>text-to-image (GenEval categories, pixel verifier)</td><td>${s.t2i.n}</td><td>${pct(s.t2i.accuracy)}</td></tr></table>
<h3>By category</h3>
<table><tr><th colspan="3">understanding</th></tr>${categoryRows(s.understanding)}<tr><th colspan="3">text-to-image</th></tr>${categoryRows(s.t2i)}</table>
<h2>6. Charts</h2>
<p>Held-out accuracy, and the training curves recorded in the model directory (each chart states its units and smoothing).</p>
<div>${(await Promise.all(r.charts.map((c) => chart(out, c)))).join('\n')}</div>
</body></html>
`;
}
