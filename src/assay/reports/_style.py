"""The report's inline stylesheet: system fonts only, readable on screen and on paper."""

from __future__ import annotations

__all__ = ["CSS"]

CSS = """
:root{--ink:#111;--muted:#555;--rule:#bbb;--ship:#11612b;--block:#a3121f;--inconclusive:#8a5a00}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1180px;padding:24px;color:var(--ink);background:#fff;
font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif}
h1{font-size:22px;margin:0 0 8px}
h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid var(--ink);padding-bottom:2px}
h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}
th,td{border:1px solid var(--rule);padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
sup a{text-decoration:none;color:var(--muted)}
.meta td:first-child{font-weight:bold}
.note{color:var(--muted);font-style:italic}
.verdict{border:4px solid var(--ink);padding:14px 18px;margin:14px 0}
.verdict .word{font-size:44px;font-weight:800;letter-spacing:2px;line-height:1.1}
.verdict .summary{font-size:17px;margin-top:6px}
.v-SHIP{border-color:var(--ship)}.v-SHIP .word{color:var(--ship)}
.v-BLOCK{border-color:var(--block)}.v-BLOCK .word{color:var(--block)}
.v-INCONCLUSIVE{border-color:var(--inconclusive)}.v-INCONCLUSIVE .word{color:var(--inconclusive)}
.v-NONE .word{color:var(--muted)}
.o-pass{color:var(--ship);font-weight:bold}.o-fail{color:var(--block);font-weight:bold}
.o-inconclusive{color:var(--inconclusive);font-weight:bold}
.chart{overflow-x:auto;margin:4px 0 12px}
.chart svg{display:block}
.flip{overflow-wrap:anywhere;border:1px solid var(--rule);margin:8px 0;padding:6px 10px;page-break-inside:avoid}
.flip .head{font-weight:bold}
.flip .text{display:grid;grid-template-columns:130px 1fr;gap:2px 10px;margin-top:4px}
.flip .label{color:var(--muted)}
.untrusted{white-space:pre-wrap;word-break:break-word;font-family:ui-monospace,Menlo,Consolas,monospace;
font-size:12px;background:#f6f6f6;padding:2px 4px;margin:0}
.methods li{margin:3px 0}
.scroll{overflow-x:auto;max-width:100%}
.verdict .why{margin:8px 0 4px;padding-left:20px}
.verdict .next{margin-top:6px}
.flip-filter>input{margin:0 4px 0 12px}
.flip-filter>input:first-child{margin-left:0}
details{margin:6px 0}
summary{cursor:pointer;font-weight:bold}
#flip-worse:checked~.flip-groups .flips-better,#flip-better:checked~.flip-groups .flips-worse{display:none}
tr.blocking-fail td{background:#fbe3e5}
tr.blocking-open td{background:#fdf1d8}
@media print{
details>*{display:block}
.flip-filter>input,.flip-filter>label{display:none}
body{max-width:none;padding:0;font-size:11px}
.chart{overflow:visible}
.chart svg{max-width:100%;height:auto}
h2{page-break-after:avoid}
table,.verdict{page-break-inside:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
a{color:inherit;text-decoration:none}
}
"""
