#!/usr/bin/python3
"""Each failed test of a tempest subunit v2 stream with the last lines of
its traceback (tempest's exception: status, body, or assertion).

usage: failures.py results.subunit [lines]
"""
import sys

import subunit
import testtools


def main():
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 6
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


if __name__ == '__main__':
    main()
