'use strict';
// Joins the two throughput JSON files of run-sdp.sh into one table.
// usage: node sdp-table.js ours.json sdp-transform.json
const fs = require('fs');

const [oursFile, theirsFile] = process.argv.slice(2);
const ours = JSON.parse(fs.readFileSync(oursFile, 'utf8'));
const theirs = JSON.parse(fs.readFileSync(theirsFile, 'utf8'));
const TARGET = 5;

const find = (results, file, prefix) => results.find((r) => r.file === file && r.parser.startsWith(prefix));
const rows = theirs.results.map((t) => {
  const validate = find(ours.results, t.file, 'rendezvous strict+validate');
  const plain = find(ours.results, t.file, 'rendezvous strict, no validation');
  if (!validate || !plain) {
    throw new Error(`no result of ours for ${t.file}`);
  }
  return {
    file: t.file,
    bytes: String(t.bytes),
    ours: validate.medianUs.toFixed(2),
    oursNoValidation: plain.medianUs.toFixed(2),
    theirs: t.medianUs.toFixed(2),
    ratio: (t.medianUs / validate.medianUs).toFixed(1) + 'x',
    ratioNoValidation: (t.medianUs / plain.medianUs).toFixed(1) + 'x',
    target: t.medianUs / validate.medianUs >= TARGET ? 'met' : 'MISSED',
  };
});

const header = {
  file: 'file',
  bytes: 'bytes',
  ours: 'ours us (parse+validate)',
  oursNoValidation: 'ours us (no validation)',
  theirs: 'sdp-transform us',
  ratio: 'ratio',
  ratioNoValidation: 'ratio (no validation)',
  target: `>= ${TARGET}x`,
};
const keys = Object.keys(header);
const width = Object.fromEntries(keys.map((k) => [k, Math.max(header[k].length, ...rows.map((r) => r[k].length))]));
const line = (r) => '| ' + keys.map((k, i) => (i === 0 ? r[k].padEnd(width[k]) : r[k].padStart(width[k]))).join(' | ') + ' |';
console.log(`${ours.runtime} vs ${theirs.runtime}; medians of ${theirs.results[0].batches} batches;`);
console.log('ratio = sdp-transform median time / our median time (above 1: we are faster)');
console.log(line(header));
console.log('| ' + keys.map((k, i) => (i === 0 ? '-'.repeat(width[k]) : '-'.repeat(width[k] - 1) + ':')).join(' | ') + ' |');
rows.forEach((r) => console.log(line(r)));
