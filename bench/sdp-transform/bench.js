'use strict';
// Throughput of sdp-transform's parse over bench/corpus, measured exactly as
// `Rendezvous.Benchmarks throughput` measures our parser (Throughput.cs): for each file,
// warm up for WARMUP_MS, size a batch to about BATCH_MS from the warm-up rate, time BATCHES
// batches with process.hrtime.bigint, and report the median time per parse. JSON on stdout.
const fs = require('fs');
const path = require('path');
const sdpTransform = require('sdp-transform');
const { version } = require('sdp-transform/package.json');

const WARMUP_MS = 1000;
const BATCH_MS = 100;
const BATCHES = 15;

const corpus = process.env.RENDEZVOUS_SDP_CORPUS
  ? path.resolve(process.env.RENDEZVOUS_SDP_CORPUS)
  : path.join(__dirname, '..', 'corpus');
const files = fs.readdirSync(corpus)
  .filter((f) => f.endsWith('.sdp'))
  .map((f) => ({ name: f, size: fs.statSync(path.join(corpus, f)).size }))
  .sort((a, b) => a.size - b.size || (a.name < b.name ? -1 : 1))
  .map((f) => f.name);

let totalSink = 0;

function measure(file, text, parser, parse) {
  let sink = 0;
  let warmups = 0;
  const start = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - start) / 1e6 < WARMUP_MS) {
    for (let i = 0; i < 100; i++) {
      sink += parse();
    }
    warmups += 100;
  }
  const warmupUs = Number(process.hrtime.bigint() - start) / 1e3 / warmups;
  const iterations = Math.max(1, Math.round((BATCH_MS * 1000) / warmupUs));

  const perParseUs = [];
  for (let b = 0; b < BATCHES; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      sink += parse();
    }
    const t1 = process.hrtime.bigint();
    perParseUs.push(Number(t1 - t0) / 1e3 / iterations);
  }
  totalSink += sink;
  perParseUs.sort((x, y) => x - y);
  const median = perParseUs[Math.floor(BATCHES / 2)];
  const round = (x) => Math.round(x * 1e4) / 1e4;
  return {
    file,
    bytes: text.length,
    parser,
    batches: BATCHES,
    iterations,
    medianUs: round(median),
    minUs: round(perParseUs[0]),
    maxUs: round(perParseUs[BATCHES - 1]),
    parsesPerSecond: Math.round(1e6 / median),
    allocatedBytesPerParse: null,
  };
}

const results = [];
for (const file of files) {
  const text = fs.readFileSync(path.join(corpus, file), 'utf8');
  // The same descriptions must come out: one media entry per m= line.
  const mediaLines = text.split('\n').filter((l) => l.startsWith('m=')).length;
  const parsed = sdpTransform.parse(text);
  if (parsed.media.length !== mediaLines || parsed.version !== 0) {
    throw new Error(`${file}: sdp-transform read ${parsed.media.length} media, expected ${mediaLines}`);
  }
  results.push(measure(file, text, `sdp-transform ${version} parse`, () => sdpTransform.parse(text).media.length));
}

process.stdout.write(JSON.stringify({
  runtime: `node ${process.version}`,
  procedure: `warm-up ${WARMUP_MS} ms, then ${BATCHES} batches of about ${BATCH_MS} ms; median per parse`,
  results,
  sink: totalSink,
}, null, 2) + '\n');
