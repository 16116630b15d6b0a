#!/usr/bin/env python3
"""compare-peer.py STOCK_RESULTS PATCHED_RESULTS BUILT_TXT TAP TABLE [STOCK_RERUN]

Compare the peer suite (harness/suites/peer.sh) of the stock and the
patched kernel, program by program and TAP case by TAP case.  Writes TAP
to TAP: per program one case for its exit status, one per TAP case the
program printed (on either kernel), and on the patched kernel one for the
vma_rss verifier at the exit of each of its processes.  A case is "ok"
when both kernels give the same result, "not ok" when they differ; a case
skipped on both is "ok ... # SKIP" with the test's reason.  Writes a
markdown table (test, stock, patched) to TABLE.  Prints the per-program
lines and every differing case.  Writes to TAP.differ the programs (the
binary, without arguments) of which some case differs.

STOCK_RERUN: the results of a second stock boot that ran only those
programs.  A program that differed and whose rerun on stock agrees with
the patched run case by case is "ok", with the first stock outcome noted:
the reference kernel flaked.  The patched kernel gets no second chance.
"""
import re
import sys
from collections import OrderedDict

TAP_RE = re.compile(r'^(not )?ok (\d+)\b\s*(.*)$')


def classify(notok, rest):
    """(result, name, reason) of one TAP line's remainder."""
    name, directive, reason = rest, '', ''
    m = re.search(r'\s*#\s*(SKIP|XFAIL|XPASS|TODO)\b\s*(.*)$', rest, re.I)
    if m:
        name, directive, reason = rest[:m.start()], m.group(1).upper(), m.group(2)
    name = name.strip().lstrip('- ').strip()
    if not name and reason:
        # ksft_test_result_skip("%s\n", name) prints "ok N # SKIP name"
        name, reason = reason, ''
    if notok:
        result = 'FAIL' if directive != 'TODO' else 'TODO'
    else:
        result = directive or 'PASS'
    return result, name, reason


def norm(name):
    """A case name without its numbers (sizes, times, addresses)."""
    return re.sub(r'0x[0-9a-f]+|\d+', 'N', name.lower())


COLOR_RE = re.compile(r'^(.*?)\s*\x1b\[3([123])m([^\x1b]*)\x1b\[0m\s*$')
COLOR_RESULT = {'2': 'PASS', '1': 'FAIL', '3': 'SKIP'}


UFFD_RE = re.compile(r'^(?:Testing (.*?)\.\.\. ?)?(done|skipped|failed)(?: \[reason: (.*)\])?\s*$')
UFFD_RESULT = {'done': 'PASS', 'skipped': 'SKIP', 'failed': 'FAIL'}


def pseudo_cases(out):
    """Cases of a program that prints no TAP: khugepaged's colored step
    results ("Run test: NAME", then "step... OK|Fail|Skip"), and
    uffd-unit-tests' "Testing NAME... done|skipped [reason: ..]|failed
    [reason: ..]" (the result may follow other output lines)."""
    cases, test, pending = OrderedDict(), '', None
    for line in out:
        m = UFFD_RE.match(line)
        if m and (m.group(1) or pending):
            name = m.group(1) or pending
            cases[len(cases) + 1] = (UFFD_RESULT[m.group(2)], name, m.group(3) or '')
            pending = None
            continue
        if line.startswith('Testing ') and '... ' in line:
            pending = line[len('Testing '):].split('... ')[0]
            continue
        if line.startswith('Run test: '):
            test = line[len('Run test: '):].strip()
            continue
        m = COLOR_RE.match(line)
        if not m:
            continue
        steps = [x for x in re.split(r'\.\.\.+', m.group(1)) if x.strip()]
        step = steps[-1].strip() if steps else ''
        name = (test + ': ' if test else '') + step
        result = COLOR_RESULT[m.group(2)]
        cases[len(cases) + 1] = (result, name, '' if result == 'PASS' else m.group(3).strip())
    return cases


def parse(path):
    progs = OrderedDict()
    info = {'done': False, 'kernel': '', 'verifier': ''}
    cur = None
    try:
        lines = open(path, errors='replace').read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        if line.startswith('# peer selftests on '):
            m = re.match(r'# peer selftests on (\S+); vma_rss verifier: (\S+)', line)
            if m:
                info['kernel'], info['verifier'] = m.group(1), m.group(2)
        elif line.startswith('# PEER-BEGIN '):
            name = line[len('# PEER-BEGIN '):].partition(' :: ')[0].strip()
            cur = progs.setdefault(name, {'cases': OrderedDict(), 'end': None,
                                          'settings': [], 'out': []})
        elif line.startswith('# PEER-END '):
            name, _, end = line[len('# PEER-END '):].partition(' :: ')
            if name.strip() in progs:
                progs[name.strip()]['end'] = end.strip()
            cur = None
        elif line.startswith('# PEER-SETTINGS '):
            name, _, what = line[len('# PEER-SETTINGS '):].partition(' :: ')
            if name.strip() in progs:
                progs[name.strip()]['settings'].append(what.strip())
        elif line.startswith('# PEER-DONE'):
            info['done'] = True
        elif cur is not None and line.startswith('| '):
            out = line[2:]
            cur['out'].append(out)
            m = TAP_RE.match(out)
            if m:
                result, cname, reason = classify(m.group(1), m.group(3))
                num = int(m.group(2))
                # A program that prints a second TAP stream (a child's)
                # keeps its first result per number and counts the rest.
                key = num
                while key in cur['cases']:
                    key += 10000
                cur['cases'][key] = (result, cname, reason)
    for prog in progs.values():
        if not prog['cases']:
            prog['cases'] = pseudo_cases(prog['out'])
    return progs, info


def status(prog):
    """The program's outcome class from its PEER-END line."""
    if prog is None:
        return 'missing'
    end = prog['end']
    if end is None:
        return 'unfinished'
    if end.startswith('not-built'):
        return 'not built'
    if end.startswith('not-run'):
        return 'not run'
    first = end.split()[0]
    if first == 'exit=0':
        return 'pass'
    # KSFT_SKIP is 4, but some programs (khugepaged) exit with their
    # number of failures: a skip only when the program said so.
    if first == 'exit=4' and any(re.search(r'\bSKIP\b|1\.\.0', o) for o in prog['out']):
        return 'skip'
    if first.startswith('exit='):
        return 'fail (' + first + ')'
    if first.startswith('signal='):
        return 'killed (' + first + ')'
    return first  # timeout, lost


def verify_of(prog):
    if prog is None or not prog['end']:
        return None
    m = re.search(r'verified=(\d+) mismatch=(\d+) error=(\d+)(.*?)(?: secs=\d+)?$', prog['end'])
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4).strip()


def secs_of(prog):
    m = re.search(r'secs=(\d+)', (prog or {}).get('end') or '')
    return int(m.group(1)) if m else None


def totals(prog):
    if prog is None:
        return ''
    count = OrderedDict()
    for result, _, _ in prog['cases'].values():
        count[result] = count.get(result, 0) + 1
    return ', '.join('%d %s' % (n, r.lower()) for r, n in count.items())


def note(s, p):
    """Why a program did not pass: the last telling line of its output."""
    if status(p) == 'pass' and status(s) == 'pass':
        return ''
    for prog in (p, s):
        for out in (prog or {}).get('out', [])[::-1]:
            o = out.strip()
            if re.match(r'^(#\s*)?(Totals|1\.\.)', o) or not o:
                continue
            if re.search(r'skip|fail|error|not |unable|cannot|denied|support|missing|enable|Bail', o, re.I):
                return re.sub(r'\x1b\[[0-9;]*m', '', o)[:160]
    return ''


def cell(prog):
    s = status(prog)
    t = totals(prog)
    secs = secs_of(prog)
    return s + (' [' + t + ']' if t else '') + (' %ds' % secs if secs is not None else '')


def compare_prog(name, s, p, built, first=None):
    """The TAP entries ((line, shown), shown None for a comment), the
    table rows, and whether anything differs, of one program run on the
    stock (s) and the patched (p) kernel.  first: the stock kernel's first
    run when s is its rerun."""
    tap, rows = [], []
    first_cell = first_note = ''
    if first is not None:
        first_cell = ' (rerun; first run: %s)' % cell(first)
        first_note = ' (stock rerun; its first run: %s)' % status(first)
    ss, ps = status(s), status(p)
    same = ss == ps
    differs = not same
    line = '%s peer %s: exit status stock=%s patched=%s' % ('ok' if same else 'not ok', name, ss, ps)
    directive = ''
    if same and ss == 'skip':
        reason = ''
        for out in (p or {}).get('out', [])[::-1]:
            if re.search(r'skip', out, re.I):
                reason = out.strip('# ').strip()
                break
        directive = ' # SKIP ' + (reason or 'the program skipped on both kernels')
    elif same and ss == 'not run':
        directive = ' # SKIP ' + (p or s)['end'][len('not-run '):]
    elif same and ss == 'not built':
        directive = ' # SKIP not built: ' + built.get(name.split()[0], ('', ''))[1]
    tap.append((line + first_note + directive, True))
    rows.append((name, cell(s) + first_cell, cell(p), 'same' if same else 'DIFFERS', note(s, p)))

    keys = list((p or {}).get('cases', {}).keys())
    keys += [k for k in (s or {}).get('cases', {}) if k not in keys]
    for k in sorted(keys):
        sc = (s or {}).get('cases', {}).get(k)
        pc = (p or {}).get('cases', {}).get(k)
        sr = sc[0] if sc else 'absent'
        pr = pc[0] if pc else 'absent'
        cname = (pc or sc)[1]
        same_case = sr == pr and (not sc or not pc or norm(sc[1]) == norm(pc[1]))
        num = k % 10000
        desc = 'peer %s #%d %s: stock=%s patched=%s' % (name, num, cname, sr, pr)
        if sc and pc and norm(sc[1]) != norm(pc[1]):
            desc += ' (stock case: %s)' % sc[1]
        d = ''
        # A program stopped by its time limit on both kernels got as
        # far as it got: a case only one of them reached is not a
        # difference (which kernel was quicker is not the question).
        if not (sc and pc) and ss == 'timeout' and ps == 'timeout':
            same_case = True
            d = ' # SKIP not reached before the time limit on %s' % ('stock' if not sc else 'patched')
        elif same_case and sr == 'SKIP':
            d = ' # SKIP ' + ((pc or sc)[2] or cname)
        tap.append((('ok ' if same_case else 'not ok ') + desc + d, not same_case))
        differs |= not same_case
        if not same_case or sr != 'PASS':
            rows.append(('%s #%d %s' % (name, num, cname), sr, pr,
                         'same' if same_case else 'DIFFERS',
                         ((pc or sc)[2] if (pc or sc)[2] != cname else '') + d.replace(' # SKIP ', ' ').rstrip()))

    v = verify_of(p)
    if v is not None:
        verified, mismatch, error, why = v
        good = mismatch == 0 and error == 0
        line = '%s peer %s: vma_rss verifier at the exit of each process: verified=%d mismatch=%d error=%d%s' % (
            'ok' if good else 'not ok', name, verified, mismatch, error, (' ' + why) if why else '')
        if good and verified == 0:
            line += ' # SKIP no process of the test reached its exit stop (killed, or never started)'
        tap.append((line, True))
        rows.append((name + ' (vma_rss verify at exit)', 'no verifier',
                     '%d processes, %d mismatches, %d errors' % (verified, mismatch, error),
                     'ok' if good else 'MISMATCH', why))
    for side, prog in (('stock', s), ('patched', p)):
        for what in (prog or {}).get('settings', []):
            tap.append(('# %s: %s %s' % (name, side, what), None))
    return tap, rows, differs


def main():
    stock_path, patched_path, built_path, tap_path, table_path = sys.argv[1:6]
    rerun = parse(sys.argv[6])[0] if len(sys.argv) > 6 else {}
    stock, sinfo = parse(stock_path)
    patched, pinfo = parse(patched_path)
    built = OrderedDict()
    try:
        for line in open(built_path):
            parts = line.split(None, 2)
            if len(parts) >= 2:
                built[parts[0]] = (parts[1], parts[2].strip() if len(parts) > 2 else '')
    except OSError:
        pass

    names = list(patched.keys()) + [n for n in stock if n not in patched]
    tap, shown, rows, differ = [], [], [], []
    for name in names:
        s, p = stock.get(name), patched.get(name)
        ptap, prows, differs = compare_prog(name, s, p, built)
        # A program whose stock run differs from its patched run, and
        # whose stock rerun (harness/run-peer.sh) agrees with the patched
        # run in every case: the stock kernel flaked, the patched kernel
        # gave what stock gives.  The patched kernel never gets a rerun.
        if differs and name in rerun:
            rtap, rrows, rdiffers = compare_prog(name, rerun[name], p, built, first=s)
            if not rdiffers:
                ptap, prows, differs = rtap, rrows, False
        if differs and name.split()[0] not in differ:
            differ.append(name.split()[0])
        for line, show in ptap:
            if show is None:
                shown.append(line)
                continue
            tap.append(line)
            if show:
                shown.append(len(tap))
        rows += prows

    for side, info in (('stock', sinfo), ('patched', pinfo)):
        good = info['done']
        tap.append('%s peer: the %s guest ran every program to the end (%s)' % (
            'ok' if good else 'not ok', side, info['kernel'] or 'no report'))
        shown.append(len(tap))
    if pinfo['verifier'] != 'present':
        tap.append('not ok peer: the patched kernel has no vma_rss/verify (CONFIG_DEBUG_VM + CONFIG_PER_VMA_RSS expected)')
        shown.append(len(tap))

    numbered = []
    for i, line in enumerate(tap, 1):
        m = re.match(r'^(not ok|ok) (.*)$', line)
        numbered.append('%s %d %s' % (m.group(1), i, m.group(2)))
    with open(tap_path, 'w') as f:
        f.write('1..%d\n' % len(tap))
        f.write('\n'.join(numbered) + '\n')

    ndiff = sum(1 for r in rows if r[3] in ('DIFFERS', 'MISMATCH'))
    with open(table_path, 'w') as f:
        f.write('# Peer selftests: stock vs patched (debug config)\n\n')
        f.write('stock: %s; patched: %s (vma_rss verifier %s).  ' % (
            sinfo['kernel'] or '?', pinfo['kernel'] or '?', pinfo['verifier'] or '?'))
        f.write('Per program: outcome [TAP cases by result] and run time; then every case that '
                'is not a pass on both kernels.  %d rows differ.\n\n' % ndiff)
        f.write('| test | stock | patched | compared | note |\n|---|---|---|---|---|\n')
        for r in rows:
            f.write('| %s |\n' % ' | '.join(c.replace('|', '\\|') for c in r))
        notbuilt = [(k, v[1]) for k, v in built.items() if v[0] != 'built']
        if notbuilt:
            f.write('\nNot built:\n\n')
            for k, why in notbuilt:
                f.write('- %s: %s\n' % (k, why))
        settings = [(n, side, w) for n in names for side, pr in (('stock', stock.get(n)), ('patched', patched.get(n)))
                    for w in (pr or {}).get('settings', [])]
        if settings:
            f.write('\nSettings a program left changed (restored before the next one):\n\n')
            for n, side, w in settings:
                f.write('- %s (%s): %s\n' % (n, side, w))

    for item in shown:
        print(numbered[item - 1] if isinstance(item, int) else item)
    with open(tap_path + '.differ', 'w') as f:
        f.write(''.join(n + '\n' for n in differ))
    print('peer table: %s' % table_path)


if __name__ == '__main__':
    main()
