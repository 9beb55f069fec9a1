#!/usr/bin/python3
"""Each failed test of a tempest subunit v2 stream with the last lines of
its traceback (tempest's exception: status, body, or assertion) and, given
tempest.log, the requests of that test that manilite answered with 4xx/5xx.

usage: failures.py results.subunit [lines] [tempest.log]
"""
import collections
import re
import sys

import subunit
import testtools


def main():
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    errors = collections.defaultdict(list)
    if len(sys.argv) > 3:
        pat = re.compile(r'Request \((\w+):(\w+)\): ([45]\d\d) (\w+) (\S+)')
        with open(sys.argv[3], errors='replace') as f:
            for line in f:
                m = pat.search(line)
                if m:
                    cls, meth, code, verb, url = m.groups()
                    url = re.sub(r'^https?://[^/]+', '', url)
                    errors[(cls, meth)].append('%s %s %s' % (code, verb, url))
    status, tb = {}, {}

    class R(testtools.StreamResult):
        def status(self, test_id=None, test_status=None, file_name=None,
                   file_bytes=None, **kw):
            if not test_id:
                return
            if file_name == 'traceback' and file_bytes:
                tb[test_id] = tb.get(test_id, b'') + file_bytes
            if test_status in ('success', 'fail', 'skip', 'xfail', 'uxsuccess'):
                status[test_id] = test_status

    with open(sys.argv[1], 'rb') as f:
        r = R()
        r.startTestRun()
        subunit.ByteStreamToStreamResult(f, non_subunit_name='stdout').run(r)
        r.stopTestRun()
    for tid in sorted(t for t, s in status.items() if s in ('fail', 'uxsuccess')):
        print('== ' + tid)
        lines = [ln for ln in tb.get(tid, b'').decode('utf-8', 'replace').splitlines() if ln.strip()]
        for ln in lines[-n:]:
            print('   ' + ln[:400])
        m = re.match(r'(?:setUpClass \()?([\w.]+?)\.(\w+)\.(\w+)(?:\[.*\])?\)?$', tid)
        if m and errors:
            if tid.startswith('setUpClass'):
                cls, meth = m.group(3), 'setUpClass'
            else:
                cls, meth = m.group(2), m.group(3)
            found = errors.get((cls, meth))
            if found is None:  # ddt's test_x_1_... is logged as test_x
                keys = [k for k in errors if k[0] == cls and meth.startswith(k[1] + '_')]
                found = errors[max(keys, key=lambda k: len(k[1]))] if keys else []
            for e in found[-3:]:
                print('   request: ' + e)


if __name__ == '__main__':
    main()
