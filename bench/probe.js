/**
 * Preloaded (`node -r ./bench/probe.js`) into every server the bench measures, the product and
 * the baseline alike, so both are observed the same way. Plain JavaScript on purpose: the product
 * runs its build with plain node, and ts-node's hooks would change what is measured.
 *
 * Over IPC, `{ probe: 'start' }` starts a window and `{ probe: 'stop' }` answers what happened in
 * it: CPU time of the process, bytes allocated on the V8 heap (from the GC profiler: what each
 * collection freed plus how much the heap grew) and the event-loop delay histogram.
 */
'use strict';
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { writeFileSync } = require('node:fs');
const { Session } = require('node:inspector');
const { join } = require('node:path');
const process = require('node:process');
const v8 = require('node:v8');

let window;

/**
 * With BENCH_HEAP_PROFILE_DIR set (`--heap-prof`), every window is also a sampling allocation
 * profile that keeps the objects collected since (plain `--heap-prof` shows only survivors):
 * `<dir>/<scenario>.heapprofile`, to open in Chrome DevTools.
 */
const heapDir = process.env.BENCH_HEAP_PROFILE_DIR;
const session = heapDir ? new Session() : undefined;
if (session) session.connect();
const post = (method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );

function start() {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const gc = new v8.GCProfiler();
  gc.start();
  window = { delay, gc, cpu: process.cpuUsage(), heap: v8.getHeapStatistics().used_heap_size };
}

function stop() {
  const { delay, gc, cpu, heap } = window;
  window = undefined;
  delay.disable();
  const profile = gc.stop();
  const used = (stats) =>
    stats.heapStatistics ? stats.heapStatistics.usedHeapSize : stats.usedHeapSize;
  let freed = 0;
  let pauseMs = 0;
  for (const event of profile.statistics) {
    freed += Math.max(0, used(event.beforeGC) - used(event.afterGC));
    pauseMs += event.cost / 1000;
  }
  const spent = process.cpuUsage(cpu);
  return {
    cpu_us: spent.user + spent.system,
    allocated_bytes: freed + (v8.getHeapStatistics().used_heap_size - heap),
    gc_count: profile.statistics.length,
    gc_pause_ms: Math.round(pauseMs),
    eld_p50_ms: delay.percentile(50) / 1e6,
    eld_p99_ms: delay.percentile(99) / 1e6,
    eld_max_ms: delay.max / 1e6,
  };
}

process.on('message', (message) => {
  if (!message || typeof message !== 'object' || !('probe' in message)) return;
  if (message.probe === 'start') {
    start();
    window.scenario = message.scenario;
    const sampling = session
      ? post('HeapProfiler.startSampling', {
          samplingInterval: 16384,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        })
      : Promise.resolve();
    void sampling.then(() => process.send({ probe: 'started' }));
  } else if (message.probe === 'stop' && window) {
    const scenario = window.scenario;
    const stats = stop();
    const written = session
      ? post('HeapProfiler.stopSampling').then(({ profile }) =>
          writeFileSync(join(heapDir, `${scenario}.heapprofile`), JSON.stringify(profile)),
        )
      : Promise.resolve();
    void written.then(() => process.send({ probe: 'stopped', ...stats }));
  }
});
// the IPC channel must not keep a server alive that is otherwise done
if (process.channel) process.channel.unref();
