#!/usr/bin/env python3
"""symbolize.py STOCK_MAP STOCK_OUT PATCHED_MAP PATCHED_OUT [TOP]
   symbolize.py MAP OUT [TOP]

Per-function guest instruction counts of one operation (insnprof plugin
output), stock vs patched, sorted by the difference; or of one kernel,
sorted by count.  Counts are exact
instruction counts of the marked region, not time."""
import bisect
import collections
import sys


def load_map(path):
    syms = []
    for line in open(path):
        addr, kind, name = line.split()[:3]
        if kind in 'tTwW':
            syms.append((int(addr, 16), name))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def per_function(map_path, out_path):
    addrs, names = load_map(map_path)
    total = collections.Counter()
    for line in open(out_path):
        vaddr, execs, insns = line.split()
        vaddr = int(vaddr, 16)
        if vaddr < 0xffff800000000000:
            name = '[user]'
        else:
            i = bisect.bisect_right(addrs, vaddr) - 1
            name = names[i] if i >= 0 else '[unknown]'
        total[name] += int(execs) * int(insns)
    return total


def one():
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    count = per_function(sys.argv[1], sys.argv[2])
    total = sum(count.values())
    print(f'total instructions: {total}')
    for n, c in count.most_common(top):
        print(f'{n[:40]:40s} {c:12d} {100 * c / total:5.1f}%')


def main():
    if len(sys.argv) < 5:
        one()
        return
    top = int(sys.argv[5]) if len(sys.argv) > 5 else 40
    stock = per_function(sys.argv[1], sys.argv[2])
    patched = per_function(sys.argv[3], sys.argv[4])
    ts, tp = sum(stock.values()), sum(patched.values())
    print(f'total instructions: stock {ts}  patched {tp}  '
          f'patched/stock {tp / ts:.4f}  difference {tp - ts:+d}')
    names = set(stock) | set(patched)
    diff = sorted(names, key=lambda n: -abs(patched[n] - stock[n]))
    print(f'{"function":40s} {"stock":>12s} {"patched":>12s} {"difference":>12s}')
    for n in diff[:top]:
        print(f'{n[:40]:40s} {stock[n]:12d} {patched[n]:12d} '
              f'{patched[n] - stock[n]:+12d}')


main()
