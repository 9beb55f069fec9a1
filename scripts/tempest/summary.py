#!/usr/bin/python3
"""Counts of a tempest run's subunit v2 stream: total and per module.

usage: summary.py results.subunit
"""
import collections
import re
import sys

import subunit
import testtools


def main():
    path = sys.argv[1]
    results = {}

    class R(testtools.StreamResult):
        def status(self, test_id=None, test_status=None, **kw):
            if test_id and test_status in ('success', 'fail', 'skip', 'xfail', 'uxsuccess'):
                results[test_id] = test_status

    with open(path, 'rb') as f:
        case = subunit.ByteStreamToStreamResult(f, non_subunit_name='stdout')
        r = R()
        r.startTestRun()
        case.run(r)
        r.stopTestRun()

    def module(tid):
        tid = re.sub(r'\[.*\]$', '', tid)
        parts = tid.split('.')
        # manila_tempest_tests.tests.api[.admin].test_x.Class.test_y
        if tid.startswith('setUpClass (') or tid.startswith('tearDownClass ('):
            inner = tid[tid.index('(') + 1:tid.rindex(')')]
            return '.'.join(inner.split('.')[:-1])
        return '.'.join(parts[:-2])

    per = collections.defaultdict(collections.Counter)
    tot = collections.Counter()
    for tid, st in results.items():
        st = {'success': 'passed', 'fail': 'failed', 'skip': 'skipped',
              'xfail': 'passed', 'uxsuccess': 'failed'}[st]
        per[module(tid)][st] += 1
        tot[st] += 1
    print('total: %d passed, %d failed, %d skipped (%d)' % (
        tot['passed'], tot['failed'], tot['skipped'], sum(tot.values())))
    print()
    print('%-72s %6s %6s %7s' % ('module', 'passed', 'failed', 'skipped'))
    for m in sorted(per):
        c = per[m]
        print('%-72s %6d %6d %7d' % (m.replace('manila_tempest_tests.tests.', ''),
                                     c['passed'], c['failed'], c['skipped']))
    print()
    print('failed:')
    for tid in sorted(t for t, s in results.items() if s in ('fail', 'uxsuccess')):
        print('  ' + tid)


if __name__ == '__main__':
    main()
