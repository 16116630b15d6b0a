import sys, re, statistics as st
# per log: per rep, ratio of reader run to mean of the two alone runs
for path in sys.argv[1:]:
    reps = {}
    for line in open(path):
        if not line.startswith('QI '): continue
        d = dict(kv.split('=', 1) for kv in line.split()[1:] if '=' in kv)
        rep = int(d['rep']); r = line.split()[2].split('=')[1]
        reps.setdefault(rep, {}).setdefault(r, []).append((float(d['ops_s']), float(d['p99_us']), int(d['reads'])))
    for r in ('query', 'scan', 'control'):
        ops, p99, reads = [], [], []
        for rep, v in sorted(reps.items()):
            if r not in v or len(v.get('none', [])) < 2: continue
            a_ops = st.mean(x[0] for x in v['none']); a_p99 = st.mean(x[1] for x in v['none'])
            ops.append(v[r][0][0] / a_ops); p99.append(v[r][0][1] / a_p99); reads.append(v[r][0][2])
        if ops:
            print(f"{path}: {r:8s} reps={len(ops)} ops {st.median(ops):.2f} ({min(ops):.2f}..{max(ops):.2f}) p99 {st.median(p99):.2f} ({min(p99):.2f}..{max(p99):.2f}) reads {st.mean(reads):.0f}")
