#!/usr/bin/env python3
"""bench-report.py RAWDIR OUTDIR: turn the guests' BENCH lines into tables.

Reads RAWDIR/*.log (results of `make bench` boots), writes OUTDIR/RESULTS.md
and gnuplot data + PNG plots: interference.png (writer ratios per reader),
latency.png (writer latency percentiles per reader), readcost-rss.png and
readcost-vmas.png (reader time vs resident memory and vs VMA count).  Every
headline figure is a ratio measured in one boot: a scenario's writer
throughput and latency over the writer alone in the same repetition, and
patched over stock.  Medians over repetitions, with the min..max spread.
"""
import collections
import glob
import os
import re
import statistics
import subprocess
import sys
import time

raw, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)

runs = collections.defaultdict(dict)    # (kernel, wait, mode, reader) -> {rep: fields}
stats = collections.defaultdict(list)   # (kernel, wait, scenario) -> [delta dicts]
meta = {}
latency = collections.defaultdict(dict)  # (kernel, wait, mode, reader) -> {rep: {fraction: us}}
readcost = {}   # (kernel, layout, file) -> median us per read
readinfo = {}   # (kernel, layout) -> (reads, lines of maps), when the line has them
maintcost = {}  # (kernel, scenario) -> (median us per batch, batch)
objsize = {}    # (kernel, slab cache) -> object size
faultscale = collections.defaultdict(list)  # (kernel, mode) -> [faults per second]
fleet = {}      # (kernel, source) -> (median us per vmastat -a run, layout processes)
for path in sorted(glob.glob(os.path.join(raw, '*.log'))):
    for line in open(path, errors='replace'):
        line = line.strip()
        if line.startswith('SUITE-START'):
            meta[os.path.basename(path)] = line
        if line.startswith('BENCH interference '):
            f = dict(kv.split('=', 1) for kv in line.split()[2:] if '=' in kv)
            key = (f['kernel'], f['wait'], f['mode'], f['reader'])
            runs[key][int(f['rep'])] = {k: float(v) for k, v in f.items()
                                        if re.match(r'^[\d.]+$', v)}
        elif line.startswith('BENCH readcost '):
            f = dict(kv.split('=', 1) for kv in line.split()[2:] if '=' in kv)
            readcost[(f['kernel'], f['layout'], f['file'])] = float(f['us_per_read'])
            if 'reads' in f:
                readinfo[(f['kernel'], f['layout'])] = (int(f['reads']), int(f['vmas']))
        elif line.startswith('BENCH latency '):
            # p9995_us=..: the latency at the fraction 0.9995.
            f = dict(kv.split('=', 1) for kv in line.split()[2:] if '=' in kv)
            latency[(f['kernel'], f['wait'], f['mode'], f['reader'])][int(f['rep'])] = {
                float('0.' + k[1:-3]): float(v) for k, v in f.items() if re.match(r'^p\d+_us$', k)}
        elif line.startswith('BENCH maintcost '):
            f = dict(kv.split('=', 1) for kv in line.split()[2:] if '=' in kv)
            maintcost[(f['kernel'], f['scenario'])] = (float(f['us']), f['per'])
        elif line.startswith('BENCH fleet '):
            f = dict(kv.split('=', 1) for kv in line.split()[2:] if '=' in kv)
            if 'us_per_run' in f:
                fleet[(f['kernel'], f['source'])] = (float(f['us_per_run']), int(f['procs']))
        elif line.startswith('BENCH faultscale '):
            f = dict(kv.split('=', 1) for kv in line.split()[2:] if '=' in kv)
            faultscale[(f['kernel'], f['mode'])].append(float(f['faults_per_s']))
        elif line.startswith('BENCH objsize '):
            f = dict(kv.split('=', 1) for kv in line.split()[2:] if '=' in kv)
            objsize[(f['kernel'], f['cache'])] = int(f['bytes'])
        elif line.startswith('BENCH stats '):
            head, rest = line.split(' before: ')
            before, after = rest.split(' after: ')
            h = dict(kv.split('=', 1) for kv in head.split()[2:])
            parse = lambda s: {k: int(v) for k, v in (kv.split('=') for kv in s.split())}
            b, a = parse(before), parse(after)
            stats[(h['kernel'], h['wait'], h['scenario'])].append(
                {k: a[k] - b.get(k, 0) for k in a})

kernels = sorted({k[0] for k in runs})


def ratio(kernel, wait, mode, reader, field):
    """Per-rep ratio of (mode, reader) over (mode, none), same boot."""
    num = runs.get((kernel, wait, mode, reader), {})
    den = runs.get((kernel, 'on', mode, 'none'), {})
    r = [num[i][field] / den[i][field] for i in num if i in den and den[i][field]]
    return r


def fmt(values, digits=2):
    if not values:
        return 'n/a'
    med = statistics.median(values)
    if len(values) == 1:
        return f'{med:.{digits}f}'
    return f'{med:.{digits}f} ({min(values):.{digits}f}..{max(values):.{digits}f})'


def med(values):
    return statistics.median(values) if values else None


def rc_ratio(lay, fl):
    st, pa = readcost.get(('stock', lay, fl)), readcost.get(('patched', lay, fl))
    return (pa / st) if st and pa else None


lines = []
w = lines.append
w('# Benchmark results')
w('')
w(f'Generated by `make bench` on {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.')
w('QEMU TCG (no KVM), 2 vCPUs, ordinary multi-threaded TCG for the interference')
w('benchmark; stock and patched Linux 6.12.117 built from the same bench config')
w('(configs/base.config + configs/bench.config: no lockdep, no KASAN), same initramfs.')
for k, v in sorted(meta.items()):
    w(f'- `{k}`: `{v}`')
w('')
w('Ratios are per repetition, inside one boot (scenario / writer alone), then the')
w('median over repetitions with the min..max spread in brackets. Absolute times in')
w('TCG are noise; only the ratios are results. The writer is pinned to vCPU 0, the')
w('reader to vCPU 1 at nice 15. "control" reads smaps of an idle twin process with')
w('the same layout: it shares the CPUs but no lock, so it should be ~1.0x; if it is')
w('not, the host was busy and the run is noise.')
w('')

w('## 1. Writer interference (mmap + fault + munmap of single pages, ~3,000 VMAs, ~64 MiB resident)')
w('')
w('| kernel | reader | writer ops/s vs alone | p50 vs alone | p99 vs alone | p99.9 vs alone | max vs alone | reads in run |')
w('|---|---|---:|---:|---:|---:|---:|---:|')
for kern in kernels:
    for reader in ['control', 'maps', 'smaps', 'smaps_rollup', 'query', 'scan']:
        for wait in ['on', 'off']:
            if (kern, wait, 'mmap', reader) not in runs:
                continue
            label = reader + ('' if wait == 'on' else ' (wait path off)')
            reads = [r['reads'] for r in runs[(kern, wait, 'mmap', reader)].values()]
            w(f'| {kern} | {label} | ' + ' | '.join(
                fmt(ratio(kern, wait, 'mmap', reader, f)) for f in
                ['ops_s', 'p50_us', 'p99_us', 'p999_us', 'max_us']) + f' | {med(reads):.0f} |')
w('')
w('Other writers, smaps reader:')
w('')
w('| kernel | writer | ops/s vs alone | p99 vs alone |')
w('|---|---|---:|---:|')
for kern in kernels:
    for mode in ['fault', 'mprotect']:
        if (kern, 'on', mode, 'smaps') in runs:
            w(f'| {kern} | {mode} | {fmt(ratio(kern, "on", mode, "smaps", "ops_s"))} | '
              f'{fmt(ratio(kern, "on", mode, "smaps", "p99_us"))} |')
w('')
w('"fault": a thread that only takes page faults (MADV_DONTNEED then touch, in its own')
w('VMA) while a second thread does the mmap/munmap churn and the reader runs.')
w('"mprotect": the writer splits and merges a VMA (mprotect of one page and back).')
w('')
if latency:
    w('Plot: latency.png, the mmap writer\'s latency from p10 to p99.99 per reader, absolute')
    w('and over the writer alone at the same percentile (median over repetitions). With')
    w('fewer than 10,000 writer operations in a run, p99.99 is the worst one.')
    w('')

if stats:
    w('## Reader lookup paths (patched kernel, debugfs vma_read/stats, summed over repetitions)')
    w('')
    w('| scenario | wait path | rcu | rcu_retry | wait | mmap_lock | writer_waited |')
    w('|---|---|---:|---:|---:|---:|---:|')
    for (kern, wait, scen), ds in sorted(stats.items()):
        if scen.endswith(':none'):
            continue
        tot = collections.Counter()
        for d in ds:
            tot.update(d)
        w(f'| {scen} | {wait} | ' + ' | '.join(str(tot.get(k, 0)) for k in
                                              ['rcu', 'rcu_retry', 'wait', 'mmap_lock', 'writer_waited']) + ' |')
    w('')
    w('writer_waited counts lookups that took mmap_lock and found a writer queued behind')
    w('them: the harm this series removes. With the wait path on it should be 0.')
    w('')

if readcost:
    w('## 2. Reader cost per read (instruction-counted guest: -icount shift=0,sleep=off)')
    w('')
    w('Guest time advances per executed instruction: these figures count instructions,')
    w('not cache misses or cache-line bouncing. Median of 5 reads.')
    w('')
    w('| layout | file | stock us | patched us | patched/stock |')
    w('|---|---|---:|---:|---:|')
    layouts = ['sparse', 'dense', 'big', 'rss1', 'rss16', 'rss256', 'rss1024']
    for lay in layouts:
        for fl in ['maps', 'smaps', 'smaps_rollup', 'query', 'scan']:
            st = readcost.get(('stock', lay, fl))
            pa = readcost.get(('patched', lay, fl))
            if st is None and pa is None:
                continue
            r = f'{pa / st:.2f}' if st and pa else 'n/a'
            sts = f'{st:.0f}' if st else '-'
            w(f'| {lay} | {fl} | {sts} | {pa or 0:.0f} | {r} |')
    w('')
    w('query: PROCMAP_QUERY_VMA_RSS on every VMA (patched only; stock has no such flag).')
    w('Per layout, patched: the query against maps (its lower bound) and smaps:')
    w('')
    w('| layout | query/maps | query/smaps | query/smaps_rollup |')
    w('|---|---:|---:|---:|')
    for lay in layouts:
        q = readcost.get(('patched', lay, 'query'))
        if not q:
            continue
        cols = []
        for fl in ['maps', 'smaps', 'smaps_rollup']:
            o = readcost.get(('patched', lay, fl))
            cols.append(f'{q / o:.2f}' if o else 'n/a')
        w(f'| {lay} | ' + ' | '.join(cols) + ' |')
    w('')
    w('sparse: 10,000 VMAs x 64 KiB, 1 in 20 touched; dense: 3,000 x 32 KiB, all touched;')
    w('big: one 256 MiB VMA, touched; rssN: 100 VMAs with N MiB resident in all.')
    w('Plot: readcost-rss.png (the rssN layouts).')
    w('')

# The VMA-count sweep: layouts vmasNd (dense) and vmasNs (sparse).
sweep = sorted({(int(m[1]), m[2]) for _, lay, _ in readcost
                for m in [re.match(r'^vmas(\d+)([ds])$', lay)] if m})
if sweep:
    w('## 2a. Reader cost vs VMA count (instruction-counted guest)')
    w('')
    w('N private anonymous VMAs share the same 50,000 pages (195 MiB) of address space;')
    w('dense: every VMA touched (195 MiB resident), sparse: 1 in 20 (9.8 MiB). Only the')
    w('VMA count changes. "maps lines": entries in the target\'s maps, its N VMAs plus')
    w('the few of the process itself. Median of "reads" reads. maps, smaps, smaps_rollup:')
    w('patched/stock; query/maps: the patched kernel\'s PROCMAP_QUERY_VMA_RSS walk over')
    w('its maps read.')
    w('')
    w('| VMAs | layout | maps lines | reads | maps | smaps | smaps_rollup | query/maps | '
      'stock smaps us | patched smaps us | patched query us |')
    w('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for n, k in sweep:
        lay = f'vmas{n}{k}'
        reads, nmaps = readinfo.get(('patched', lay), readinfo.get(('stock', lay), (0, 0)))
        cols = []
        for fl in ['maps', 'smaps', 'smaps_rollup']:
            r = rc_ratio(lay, fl)
            cols.append(f'{r:.2f}' if r is not None else 'n/a')
        q, m = readcost.get(('patched', lay, 'query')), readcost.get(('patched', lay, 'maps'))
        cols.append(f'{q / m:.2f}' if q and m else 'n/a')
        for kern, fl in [('stock', 'smaps'), ('patched', 'smaps'), ('patched', 'query')]:
            v = readcost.get((kern, lay, fl))
            cols.append(f'{v:.0f}' if v else '-')
        w(f'| {n:,} | {"dense" if k == "d" else "sparse"} | {nmaps or "?"} | {reads or "?"} | '
          + ' | '.join(cols) + ' |')
    w('')
    w('Plot: readcost-vmas.png (us per read vs VMA count, both kernels, log-log).')
    w('')

if maintcost:
    w('## 3. Maintenance cost (instruction-counted guest: -icount shift=0,sleep=off)')
    w('')
    w('What the kernel pays where the per-VMA rss counters are maintained. Guest time')
    w('counts executed instructions, not cache misses or cache-line bouncing between')
    w('CPUs (the 2-thread rows are serialized by icount: they show instruction cost, not')
    w('contention). Median of 5 batches.')
    w('')
    w('| scenario | batch | stock us | patched us | patched/stock |')
    w('|---|---|---:|---:|---:|')
    for (kern, scen), (us, per) in sorted(maintcost.items()):
        if kern != 'stock':
            continue
        pa = maintcost.get(('patched', scen), (None, None))[0]
        w(f'| {scen} | {per.replace("_", " ")} | {us:.0f} | {pa or 0:.0f} | '
          f'{(pa / us) if pa and us else float("nan"):.3f} |')
    w('')
if objsize:
    w('Per-VMA objects (slab object size, bytes): ' + ', '.join(
        f'{c} stock {objsize.get(("stock", c), "n/a")} / patched {objsize.get(("patched", c), "n/a")}'
        for c in sorted({c for _, c in objsize})))
    w('')

# Exact instruction counts of single operations (insnprof QEMU plugin).
def load_insnprof(prefix):
    """{name: (first total, second total, [(function, first, second, diff)])}
    of RAW/PREFIX*.txt, insnprof.sh's diff.txt: stock and patched, or a
    baseline and an operation on the patched kernel."""
    found = {}
    for path in sorted(glob.glob(os.path.join(raw, prefix + '*.txt'))):
        text = open(path).read().splitlines()
        m = re.match(r'total instructions: stock (\d+)\s+patched (\d+)', text[0]) if text else None
        if not m:
            continue
        funcs = []
        for line in text[2:]:
            f = line.split()
            if len(f) == 4:
                funcs.append((f[0], int(f[1]), int(f[2]), int(f[3])))
        found[os.path.basename(path)[len(prefix):-len('.txt')]] = (int(m[1]), int(m[2]), funcs)
    return found


insnprof = load_insnprof('insnprof-')   # op -> stock vs patched
# The same reads with both kernels at -O2 with jump labels (configs/o2.config).
insno2 = load_insnprof('o2-insnprof-')
# A patched-only read against its baseline on the patched kernel
# (harness/insnprof.sh with INSNPROF_BASE): insnpair-OP-over-BASE.txt.
insnpair = {tuple(k.split('-over-')): v for k, v in load_insnprof('insnpair-').items()}
INSNPAIR_OPS = [
    (('query_sparse', 'maps_sparse'), 'PROCMAP_QUERY_VMA_RSS of every VMA over a maps read, sparse', 10000, 'VMA'),
    (('query_rss1024', 'query_rss1'), 'PROCMAP_QUERY_VMA_RSS of 100 VMAs, 1 GiB over 1 MiB resident', 512, '2 MiB'),
    (('scan_rss1024', 'scan_rss1'), 'PROCMAP_SCAN of 100 VMAs, 1 GiB over 1 MiB resident', 512, '2 MiB'),
    (('scan_vmas10000d', 'maps_vmas10000d'), 'PROCMAP_SCAN of every VMA over a maps read, vmas10000d', 10000, 'VMA'),
    (('scan_vmas50000d', 'maps_vmas50000d'), 'PROCMAP_SCAN of every VMA over a maps read, vmas50000d', 50000, 'VMA'),
]
# Targets that FAIL, and the exact count that breaks each down: (target, 'prof'
# or 'pair', key).  Filled as the Targets table is written.
fails = []


def verdict(ok, target, kind=None, key=None):
    """PASS or FAIL; a FAIL is listed with its breakdown after the table."""
    if not ok:
        fails.append((target, kind, key))
    return 'PASS' if ok else 'FAIL'
INSNPROF_OPS = [
    ('fault', 'first-touch 4 KiB anonymous faults', 16384, 'fault'),
    ('munmap', 'munmap of those 64 MiB', 16384, 'page'),
    ('split', 'mprotect split + merge in a populated 2 MiB VMA', 200, 'round'),
    ('mremap', 'mremap move of half a populated 2 MiB VMA and back', 20, 'move'),
    ('split_1_2', 'mprotect split + merge mid 1 MiB VMA, every 2nd page populated', 20, 'round'),
    ('split_256_2', 'mprotect split + merge mid 256 MiB VMA, every 2nd page populated', 20, 'round'),
    ('split_256_64', 'mprotect split + merge mid 256 MiB VMA, every 64th page populated', 20, 'round'),
    ('split_4096_64', 'mprotect split + merge mid 4 GiB VMA, every 64th page populated', 20, 'round'),
    ('mremap_part', 'mremap of 1 MiB out of a populated 8 MiB VMA and back', 20, 'move'),
    ('uffd_move', 'UFFDIO_MOVE of 1 MiB of populated anon memory and back', 20, 'move'),
    ('smaps_sparse', 'read smaps, sparse layout', 10000, 'VMA'),
    ('smaps_rollup_sparse', 'read smaps_rollup, sparse layout', 10000, 'VMA'),
    ('smaps_dense', 'read smaps, dense layout', 3000, 'VMA'),
    ('smaps_rollup_dense', 'read smaps_rollup, dense layout', 3000, 'VMA'),
    ('maps_sparse', 'read maps, sparse layout', 10000, 'VMA'),
    ('smaps_rollup_vmas50000d', 'read smaps_rollup, 50,000 one-page VMAs, all populated', 50000, 'VMA'),
    ('smaps_rollup_rss1024', 'read smaps_rollup, 1 GiB resident in 100 VMAs', 262300, 'page'),
    ('smaps_rss1024', 'read smaps, 1 GiB resident in 100 VMAs', 262300, 'page'),
]
def insnprof_rows(ops, counted):
    """One table row per counted operation: totals, ratio, per unit, top 4."""
    for key, what, units, unit in ops:
        if key not in counted:
            continue
        b, o, funcs = counted[key]
        top = ', '.join(f'{n} {d:+,}' for n, _, _, d in funcs[:4])
        w(f'| {what} | {b:,} | {o:,} | {o / b:.4f} | {(o - b) / units:+,.1f} per {unit} | {top} |')


if insnprof:
    w('## 4. Exact instruction counts, per kernel function (insnprof)')
    w('')
    w('A QEMU TCG plugin (harness/insnprof/) counts every guest instruction executed')
    w('between two marker instructions around one operation (bench/profile.c), and')
    w('harness/insnprof.sh attributes them to kernel functions with System.map. Exact')
    w('counts of one run, no timing: what -icount measures, without the timer ticks and')
    w('scheduling it also counts, and broken down. A `rep movs`/`rep stos` counts once per')
    w('iteration, as under -icount. Not cache misses or contention.')
    w('')
    w('| operation | stock | patched | patched/stock | difference per unit | largest differences (function: patched - stock) |')
    w('|---|---:|---:|---:|---:|---|')
    insnprof_rows(INSNPROF_OPS, insnprof)
    if 'query_sparse' in insnprof and 'maps_sparse' in insnprof:
        q, mp = insnprof['query_sparse'][1], insnprof['maps_sparse'][1]
        w(f'| PROCMAP_QUERY_VMA_RSS of every VMA, sparse layout (patched) | | {q:,} | '
          f'{q / mp:.3f} of maps | {q / 10000:,.0f} per VMA (maps: {mp / 10000:,.0f}) | |')
    if 'scan_sparse' in insnprof and 'maps_sparse' in insnprof:
        q, mp = insnprof['scan_sparse'][1], insnprof['maps_sparse'][1]
        w(f'| PROCMAP_SCAN with PROCMAP_QUERY_VMA_RSS of every VMA, sparse layout (patched) | | {q:,} | '
          f'{q / mp:.3f} of maps | {q / 10000:,.0f} per VMA (maps: {mp / 10000:,.0f}) | |')
    if 'scan_rss1' in insnprof and 'scan_rss1024' in insnprof:
        s1, s1g = insnprof['scan_rss1'][1], insnprof['scan_rss1024'][1]
        w(f'| PROCMAP_SCAN with PROCMAP_QUERY_VMA_RSS of 100 VMAs holding 1 GiB (patched) | | {s1g:,} | '
          f'{s1g / s1:.3f} of 1 MiB ({s1:,}) | {(s1g - s1) / 512:+,.1f} per 2 MiB | |')
    w('')
    if insnpair:
        w('Patched-only reads against their baseline, both on the patched kernel (OP over')
        w('BASE: `INSNPROF_BASE=BASE harness/insnprof.sh OP`):')
        w('')
        w('| operation over its baseline | baseline | operation | ratio | difference per unit | largest differences (function: operation - baseline) |')
        w('|---|---:|---:|---:|---:|---|')
        insnprof_rows(INSNPAIR_OPS, insnpair)
        w('')
    if insno2:
        w('The reads again with both kernels built at -O2 with jump labels (configs/o2.config,')
        w('as distributions build them; `INSNPROF_OUT=out-o2 harness/insnprof.sh OP`). -Os')
        w('outlines small helpers (`pte_pfn()`, `pmd_flags()`) and makes static keys loads,')
        w('which costs the two kernels differently:')
        w('')
        w('| read | stock -O2 | patched -O2 | patched/stock -O2 | patched/stock -Os | largest differences at -O2 (function: patched - stock) |')
        w('|---|---:|---:|---:|---:|---|')
        for op, (st, pa, funcs) in sorted(insno2.items()):
            os_ = insnprof.get(op)
            top = ', '.join(f'{n} {d:+,}' for n, _, _, d in funcs[:4])
            w(f'| {op} | {st:,} | {pa:,} | {pa / st:.4f} | '
              f'{f"{os_[1] / os_[0]:.4f}" if os_ else ""} | {top} |')
        w('')
    w('Raw per-function tables: bench/results/raw/insnprof-*.txt (stock vs patched),')
    w('o2-insnprof-*.txt (the same at -O2) and insnpair-*.txt (patched, an operation')
    w('over its baseline).')
    w('')

if fleet:
    w('## 5. vmastat -a over a fleet of processes (-icount)')
    w('')
    w('bench/fleet starts one paused process per layout (dense x2, sparse x2, rss16,')
    w('rss64, vmas1000d, vmas10000s: about 23,000 VMAs and 480 MiB resident) and runs')
    w('`vmastat -a` 5 times per source, over every process in /proc: "rollup" reads each')
    w("process's smaps_rollup and status (a page walk per process, what psutil, smem and")
    w('process-exporter read), "scan" asks PROCMAP_SCAN for the rss counters of every VMA.')
    w('Median guest time per run, us (instructions).')
    w('')
    w('| kernel | source | us per run | / stock rollup |')
    w('|---|---|---:|---:|')
    base = fleet.get(('stock', 'rollup'), (None,))[0]
    for (k, src), (us, _) in sorted(fleet.items()):
        w(f'| {k} | {src} | {us:,.0f} | {us / base:.2f} |' if base else f'| {k} | {src} | {us:,.0f} | |')
    w('')

# Targets of issue 9 (harmless to the target), patched kernel.
w('## Targets')
w('')
w('| target | measured (patched) | stock | result |')
w('|---|---:|---:|---|')
if 'patched' in kernels:
    for reader in ['smaps', 'smaps_rollup', 'maps', 'query', 'scan']:
        ops = med(ratio('patched', 'on', 'mmap', reader, 'ops_s'))
        p99 = med(ratio('patched', 'on', 'mmap', reader, 'p99_us'))
        sops = med(ratio('stock', 'on', 'mmap', reader, 'ops_s'))
        sp99 = med(ratio('stock', 'on', 'mmap', reader, 'p99_us'))
        if ops is not None:
            w(f'| writer ops/s with {reader} reader >= 0.90x alone | {ops:.2f}x | '
              f'{sops:.2f}x | {"PASS" if ops >= 0.90 else "FAIL"} |' if sops is not None else
              f'| writer ops/s with {reader} reader >= 0.90x alone | {ops:.2f}x | n/a | {"PASS" if ops >= 0.90 else "FAIL"} |')
            w(f'| writer p99 with {reader} reader <= 1.25x alone | {p99:.2f}x | '
              f'{f"{sp99:.2f}x" if sp99 is not None else "n/a"} | {"PASS" if p99 <= 1.25 else "FAIL"} |')
    fp = med(ratio('patched', 'on', 'fault', 'smaps', 'p99_us'))
    sfp = med(ratio('stock', 'on', 'fault', 'smaps', 'p99_us'))
    if fp is not None:
        w(f'| fault-only thread p99 with smaps reader + mmap writer <= 1.25x alone | {fp:.2f}x | '
          f'{(sfp if sfp is not None else float("nan")):.2f}x | {"PASS" if fp <= 1.25 else "FAIL"} |')
    ctl = med(ratio('patched', 'on', 'mmap', 'control', 'ops_s'))
    if ctl is not None:
        w(f'| control (quiet host): ops/s with twin reader ~1.0x | {ctl:.2f}x | | '
          f'{"quiet" if 0.9 <= ctl <= 1.1 else "NOISY: repeat the run"} |')
for lay, fl, lim in [('sparse', 'smaps_rollup', 0.20), ('sparse', 'smaps', 0.50), ('dense', 'smaps', 1.05)]:
    r = rc_ratio(lay, fl)
    if r is not None:
        t = f'{fl} read time of the {lay} layout, patched/stock <= {lim:.2f}'
        w(f'| {t} | {r:.2f} | 1.00 | {verdict(r <= lim, t, "prof", f"{fl}_{lay}")} |')
for scen, lim in [('fault_4k', 1.01), ('mmap_touch_munmap', 1.05), ('mprotect_split_merge', 1.05),
                  ('fork_exit_512m', 1.05)]:
    st, pa = maintcost.get(('stock', scen), (None,))[0], maintcost.get(('patched', scen), (None,))[0]
    if st and pa:
        w(f'| {scen} cost (instructions), patched/stock <= {lim:.2f} | {pa / st:.3f} | 1.000 | '
          f'{"PASS" if pa / st <= lim else "FAIL"} |')
for op, lim, what in [('fault', 1.005, 'first-touch 4 KiB fault'), ('split', 1.05, 'mprotect split/merge'),
                      ('split_256_2', 1.25, 'split+merge mid 256 MiB VMA, every 2nd page'),
                      ('split_256_64', 1.25, 'split+merge mid 256 MiB VMA, every 64th page'),
                      ('mremap_part', 1.25, 'mremap of part of a populated VMA'),
                      ('uffd_move', 1.25, 'UFFDIO_MOVE of 1 MiB of populated anon memory'),
                      ('mremap', 1.25, 'mremap move of a populated VMA')]:
    if op in insnprof:
        st, pa, _ = insnprof[op]
        w(f'| {what} cost (exact instruction count, insnprof), patched/stock <= {lim:g} | '
          f'{pa / st:.4f} | 1.0000 | {"PASS" if pa / st <= lim else "FAIL"} |')
# Issue 16: threads faulting their own page tables of one VMA share no line.
fs = {k: med(v) for k, v in faultscale.items()}
if all(fs.get((k, m)) for k in ('stock', 'patched') for m in ('same', 'separate')):
    same = fs[('patched', 'same')] / fs[('stock', 'same')]
    ctl = fs[('patched', 'separate')] / fs[('stock', 'separate')]
    spread = lambda k, m: f"{min(faultscale[(k, m)]) / 1e3:.0f}-{max(faultscale[(k, m)]) / 1e3:.0f}k"
    quiet = 0.9 <= ctl <= 1.1
    w(f'| faults/s of one thread per vCPU in one VMA, patched/stock >= 0.95 (multi-threaded TCG; '
      f'patched {spread("patched", "same")}, stock {spread("stock", "same")}) | {same:.3f} | 1.000 | '
      f'{("PASS" if same >= 0.95 else "FAIL") if quiet else "not valid: the control was noisy"} |')
    w(f'| control: the same threads in a VMA each, patched/stock ~1.0 | {ctl:.3f} | 1.000 | '
      f'{"quiet" if 0.9 <= ctl <= 1.1 else "NOISY: repeat the run"} |')
# Issue 16: the cost of a split does not grow with the VMA (patched, per round).
sizes = [op for op in ('split_1_2', 'split_256_64', 'split_4096_64') if op in insnprof]
if len(sizes) == 3:
    per = [insnprof[op][1] for op in sizes]
    r = max(per) / min(per)
    w(f'| split+merge cost, patched, largest/smallest of 1 MiB, 256 MiB, 4 GiB VMAs <= 1.25 | '
      f'{r:.3f} | {max(insnprof[op][0] for op in sizes) / min(insnprof[op][0] for op in sizes):.3f} | '
      f'{"PASS" if r <= 1.25 else "FAIL"} |')
q1, q1g = readcost.get(('patched', 'rss1', 'query')), readcost.get(('patched', 'rss1024', 'query'))
if q1 and q1g:
    r = q1g / q1
    t = 'query time of 100 VMAs, 1 GiB / 1 MiB resident <= 1.10'
    w(f'| {t} | {r:.2f} | | {verdict(r <= 1.10, t, "pair", ("query_rss1024", "query_rss1"))} |')
qs, ms = readcost.get(('patched', 'sparse', 'query')), readcost.get(('patched', 'sparse', 'maps'))
if qs and ms:
    r = qs / ms
    t = 'query time of 10,000 VMAs (sparse) / maps read time <= 1.00'
    w(f'| {t} | {r:.2f} | | {verdict(r <= 1.0, t, "pair", ("query_sparse", "maps_sparse"))} |')
# Issue 17: PROCMAP_SCAN, per VMA, half of reading maps, whatever the RSS.
for lay in ('vmas10000d', 'vmas10000s', 'vmas50000d', 'vmas50000s'):
    sc, mp = readcost.get(('patched', lay, 'scan')), readcost.get(('patched', lay, 'maps'))
    if sc and mp:
        t = f'PROCMAP_SCAN of every VMA ({lay}) / maps read time, patched, <= 0.50'
        w(f'| {t} | {sc / mp:.2f} | | {verdict(sc / mp <= 0.5, t, "pair", (f"scan_{lay}", f"maps_{lay}"))} |')
s1, s1g = readcost.get(('patched', 'rss1', 'scan')), readcost.get(('patched', 'rss1024', 'scan'))
if s1 and s1g:
    t = 'PROCMAP_SCAN of 100 VMAs, 1 GiB / 1 MiB resident <= 1.10'
    w(f'| {t} | {s1g / s1:.2f} | | {verdict(s1g / s1 <= 1.10, t, "pair", ("scan_rss1024", "scan_rss1"))} |')
# Issue 17: readers never slower than stock, half of stock where populated.
for fl in ('maps', 'smaps', 'smaps_rollup'):
    rs = [(rc_ratio(lay, fl), lay) for (k, lay, f) in readcost if k == 'patched' and f == fl]
    rs = [(r, lay) for r, lay in rs if r is not None]
    if rs:
        r, lay = max(rs)
        t = f'{fl} read time, patched/stock <= 1.00 on every layout ({len(rs)} layouts; worst: {lay})'
        w(f'| {t} | {r:.2f} | 1.00 | {verdict(r <= 1.0, t, "prof", f"{fl}_{lay}")} |')
# The same target at -O2, where counted (exact counts, not -icount time).
for fl in ('maps', 'smaps', 'smaps_rollup'):
    rs = [(pa / st, op) for op, (st, pa, _) in insno2.items() if op.rsplit('_', 1)[0] == fl]
    if rs:
        r, op = max(rs)
        t = (f'{fl} read, patched/stock <= 1.00 at -O2 too (exact instruction count, insnprof; '
             f'{len(rs)} layouts; worst: {op.rsplit("_", 1)[1]})')
        w(f'| {t} | {r:.4f} | 1.0000 | {verdict(r <= 1.0, t, "o2", op)} |')
for fl in ('smaps', 'smaps_rollup'):
    for lay in ('dense', 'vmas1000d', 'vmas10000d', 'vmas50000d', 'rss256', 'rss1024'):
        r = rc_ratio(lay, fl)
        if r is not None:
            t = f'{fl} read time of the populated layout {lay}, patched/stock <= 0.50'
            w(f'| {t} | {r:.2f} | 1.00 | {verdict(r <= 0.5, t, "prof", f"{fl}_{lay}")} |')
if objsize:
    grow = sum(objsize.get(('patched', c), 0) - objsize.get(('stock', c), 0) for c in {c for _, c in objsize})
    w(f'| per-VMA objects grow by 0 bytes | {grow:+d} B | | {"PASS" if grow <= 0 else "FAIL"} |')
w('')
if fails:
    w('### The FAIL rows, broken down (insnprof, exact)')
    w('')
    w('Each FAIL row above, with the exact instruction count of the same read: stock')
    w('against patched, or for a patched-only ratio the read against its baseline on')
    w('the patched kernel, and the functions that make the difference (section 4).')
    w('')
    w('| target | counted: base -> measured | exact ratio | largest differences (function: measured - base) |')
    w('|---|---:|---:|---|')
    for t, kind, key in fails:
        got = {'prof': insnprof, 'pair': insnpair, 'o2': insno2}.get(kind, {}).get(key)
        if got is None:
            w(f'| {t} | not counted | | the breakdown is missing: add it to INSNPROF_OPS or INSNPROF_PAIRS |')
            continue
        b, o, funcs = got
        name = {'prof': 'stock -> patched', 'o2': 'stock -> patched, -O2'}.get(kind) or f'{key[1]} -> {key[0]}'
        top = ', '.join(f'{n} {d:+,}' for n, _, _, d in funcs[:6])
        w(f'| {t} | {name}: {b:,} -> {o:,} | {o / b:.3f} | {top} |')
    w('')
w('Not yet measured here: file-backed, shmem and THP-mapped memory in the reader-cost')
w('layouts (all private anonymous 4 KiB pages, THP off), several concurrent readers,')
w('and anything outside TCG (no KVM, no real hardware).')
w('')
open(os.path.join(out, 'RESULTS.md'), 'w').write('\n'.join(lines))

# Plot: p99 and ops/s ratios per reader, stock vs patched.
dat = os.path.join(out, 'interference.dat')
with open(dat, 'w') as f:
    f.write('# reader stock_ops patched_ops stock_p99 patched_p99\n')
    for reader in ['control', 'maps', 'smaps', 'smaps_rollup']:
        vals = []
        for field in ['ops_s', 'p99_us']:
            for kern in ['stock', 'patched']:
                m = med(ratio(kern, 'on', 'mmap', reader, field))
                vals.append(m if m is not None else 0)
        f.write(f'{reader} {vals[0]} {vals[1]} {vals[2]} {vals[3]}\n')
gp = f'''
set terminal pngcairo size 900,420 noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set xtics rotate by -30
set grid ytics
set multiplot layout 1,2 title "mmap/fault/munmap writer with a /proc reader at nice 15 (ratio to writer alone, median)"
set title "writer throughput (higher is better)"
set yrange [0:1.3]
plot "{dat}" using 2:xtic(1) title "stock", "" using 3 title "patched"
set title "writer p99 latency (lower is better)"
set logscale y
set yrange [0.5:*]
plot "{dat}" using 4:xtic(1) title "stock", "" using 5 title "patched"
unset multiplot
'''


def gnuplot(name, script):
    png = os.path.join(out, name)
    try:
        subprocess.run(['gnuplot'], input=f'set output "{png}"\n' + script, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f'gnuplot failed on {name}: {e}', file=sys.stderr)


gnuplot('interference.png', gp)

# One colour per reader or file, the same in every plot; stock dashed, patched solid.
colour = {'none': 'black', 'control': 'gray60', 'maps': '#1f77b4', 'smaps': '#d62728',
          'smaps_rollup': '#ff7f0e', 'query': '#2ca02c', 'scan': '#9467bd'}
dash = {'stock': 'dt 2 pt 6', 'patched': 'dt 1 pt 7'}


def curves(dat, columns):
    """gnuplot plot clauses for the (kernel, name) columns of dat, from column 2 on."""
    return ', '.join(f'"{dat}" using 1:{i + 2} with linespoints lw 2 ps 0.8 '
                     f'lc rgb "{colour[nm]}" {dash[kern]} title "{kern} {nm}"'
                     for i, (kern, nm) in enumerate(columns))


# Writer latency percentiles (mmap writer, wait path on): absolute, and over
# the writer alone at the same percentile in the same repetition.
readers = [r for r in ['none', 'control', 'maps', 'smaps', 'smaps_rollup', 'query', 'scan']
           if any((k, 'on', 'mmap', r) in latency for k in kernels)]
if readers:
    fracs = sorted({q for reps in latency.values() for pc in reps.values() for q in pc})
    dat = os.path.join(out, 'latency.dat')
    ymin, ymax, rmin, rmax = float('inf'), 0, float('inf'), 0
    with open(dat, 'w') as f:
        f.write('# percentile  then per kernel, per reader: median us, median ratio to alone\n')
        f.write('# ' + ' '.join(f'{k}:{r}' for k in ['stock', 'patched'] for r in readers) + '\n')
        for q in fracs:
            absv, ratv = [], []
            for kern in ['stock', 'patched']:
                alone = latency.get((kern, 'on', 'mmap', 'none'), {})
                for r in readers:
                    reps = latency.get((kern, 'on', 'mmap', r), {})
                    a = med([pc[q] for pc in reps.values() if q in pc])
                    x = med([pc[q] / alone[i][q] for i, pc in reps.items()
                             if q in pc and alone.get(i, {}).get(q)])
                    absv.append(a)
                    ratv.append(x)
                    if a:
                        ymin, ymax = min(ymin, a), max(ymax, a)
                    if x:
                        rmin, rmax = min(rmin, x), max(rmax, x)
            f.write(f'{1 / (1 - q):.6g} ' + ' '.join('?' if v is None else f'{v:.6g}'
                                                    for v in absv + ratv) + '\n')
    n = len(readers)
    plots = []
    for row, (lo, hi, what, unit) in enumerate([
            (ymin, ymax, 'writer latency', 'us'),
            (rmin, rmax, 'latency / writer alone, same percentile', 'ratio')]):
        yrange = f'{lo / 1.5:.4g}:{hi * 1.5:.4g}' if hi else '*:*'
        for col, kern in enumerate(['stock', 'patched']):
            first = 2 + row * 2 * n + col * n
            plots.append(f'''
set title "{kern}: {what}"
set yrange [{yrange}]
set ylabel "{unit}"
plot ''' + ', '.join(f'"{dat}" using 1:{first + i} with linespoints lw 2 ps 0.8 '
                     f'lc rgb "{colour[r]}" {dash[kern]} title "{"alone" if r == "none" else r}"'
                     for i, r in enumerate(readers) if (kern, 'on', 'mmap', r) in latency))
    gnuplot('latency.png', f'''
set terminal pngcairo size 1200,1000 noenhanced
set datafile missing "?"
set logscale xy
set grid xtics ytics mytics
set key below horizontal maxcols 3 samplen 3 Left reverse
set xrange [1:15000]
set xtics ("p50" 2, "p90" 10, "p99" 100, "p99.9" 1000, "p99.99" 10000, "" 1.111 1, "" 1.333 1, "" 4 1, "" 20 1, "" 200 1, "" 2000 1)
set xlabel "writer latency percentile"
set multiplot layout 2,2 title "mmap/fault/munmap writer with a /proc reader at nice 15 (median over repetitions; alone = no reader)"
''' + '\n'.join(plots) + '\nunset multiplot\n')

# Reader time vs resident memory: the rssN layouts (100 VMAs).
files = ['maps', 'smaps', 'smaps_rollup', 'query', 'scan']
cols = [(k, fl) for k in ['stock', 'patched'] for fl in files
        if any((k, f'rss{m}', fl) in readcost for m in [1, 16, 256, 1024])]
if cols:
    dat = os.path.join(out, 'readcost-rss.dat')
    with open(dat, 'w') as f:
        f.write('# resident_MiB ' + ' '.join(f'{k}:{fl}' for k, fl in cols) + '\n')
        for m in [1, 16, 256, 1024]:
            f.write(f'{m} ' + ' '.join(str(readcost.get((k, f'rss{m}', fl), '?'))
                                       for k, fl in cols) + '\n')
    gnuplot('readcost-rss.png', f'''
set terminal pngcairo size 800,560 noenhanced
set datafile missing "?"
set logscale xy
set grid xtics ytics mytics
set key top left
set xrange [0.7:1500]
set xtics (1, 16, 256, 1024)
set xlabel "resident memory, MiB (100 VMAs, all touched)"
set ylabel "us per read (instruction-counted guest)"
set title "reader cost vs resident memory (median)"
plot {curves(dat, cols)}
''')

# Reader time vs VMA count: the sweep, dense and sparse side by side.
if sweep:
    counts = sorted({n for n, _ in sweep})
    cols = [(k, fl) for k in ['stock', 'patched'] for fl in files
            if any((k, f'vmas{n}{d}', fl) in readcost for n, d in sweep)]
    panels = []
    for d, name in [('d', 'dense: all VMAs touched, 195 MiB resident'),
                    ('s', 'sparse: 1 in 20 touched, 9.8 MiB resident')]:
        dat = os.path.join(out, f'readcost-vmas-{d}.dat')
        with open(dat, 'w') as f:
            f.write('# vmas ' + ' '.join(f'{k}:{fl}' for k, fl in cols) + '\n')
            for n in counts:
                f.write(f'{n} ' + ' '.join(str(readcost.get((k, f'vmas{n}{d}', fl), '?'))
                                           for k, fl in cols) + '\n')
        panels.append(f'set title "{name}"\nplot {curves(dat, cols)}\n')
    gnuplot('readcost-vmas.png', f'''
set terminal pngcairo size 1200,560 noenhanced
set datafile missing "?"
set logscale xy
set grid xtics ytics mytics
set key top left
set xrange [{counts[0] / 1.5:.4g}:{counts[-1] * 1.5:.4g}]
set xtics ({", ".join(f'"{n:,}" {n}' for n in counts)})
set xlabel "VMAs (the same 50,000 pages of address space)"
set ylabel "us per read (instruction-counted guest)"
set multiplot layout 1,2 title "reader cost vs VMA count (median)"
''' + ''.join(panels) + 'unset multiplot\n')
print(open(os.path.join(out, 'RESULTS.md')).read())
