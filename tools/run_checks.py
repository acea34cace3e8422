# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make test`: run every check in order, stop at the first failure, print a summary table and a closing
`N passed, N failed` line that adds up the real test counts (sanity tests, unit and mock test cases,
passed assert tasks of the integration targets, leak-check cases; each single-result tool counts as one)."""
from __future__ import annotations

import argparse
import glob
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

TEST_STEPS = ("sanity", "units", "integration", "mock-tests")  # steps that must run at least one test
STEPS = ["sanity", "units", "integration", "mock-tests", "lint", "docs", "changelog", "build", "importer"]


def junit_counts(paths):
    passed = failed = skipped = 0
    for path in paths:
        root = ET.parse(path).getroot()
        suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
        for suite in suites:
            tests = int(suite.get("tests", 0))
            bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skip = int(suite.get("skipped", 0))
            passed += tests - bad - skip
            failed += bad
            skipped += skip
    return passed, failed, skipped


def count_step(step, rc, output, build):
    """Return (passed, failed, skipped) for one step."""
    coll = os.path.join(build, "ansible_collections", "hostfactory", "enrollment")
    if step == "sanity":
        ran = len(re.findall(r'^Running sanity test "', output, re.M))
        match = re.search(r"The (\d+) sanity test\(s\) listed below \(out of (\d+)\) failed", output)
        failed = int(match.group(1)) if match else (0 if rc == 0 else 1)
        return max(ran - failed, 0), failed, 0
    if step == "units":
        return junit_counts(glob.glob(os.path.join(coll, "tests", "output", "junit", "*.xml")))
    if step == "mock-tests":
        return junit_counts(glob.glob(os.path.join(build, "junit", "mock.xml")))
    if step == "integration":
        # every assert task that passed in a target (the nested playbooks' own output is quoted inside the outer
        # task results, so only the outer, 4-space indented lines match), and ansible-test's verdict
        passed = len(re.findall(r'^    "msg": "All assertions passed"$', output, re.M))
        failed = 1 if re.search(r"^(FATAL|ERROR): ", output, re.M) else 0  # ansible-test failed (rc may be the leak check's)
        # tools/leak_check.py: its self-test cases, then one scan of the whole run's output
        for match in re.finditer(r"^leak_check: self-test: (\d+) cases passed, (\d+) failed", output, re.M):
            passed, failed = passed + int(match.group(1)), failed + int(match.group(2))
        for match in re.finditer(r"^leak_check: checked .*: (\d+) leaks$", output, re.M):
            passed, failed = (passed + 1, failed) if match.group(1) == "0" else (passed, failed + 1)
        failed += len(re.findall(r"^leak_check: .*: nothing to check$", output, re.M))  # a scan that saw nothing
        return passed, failed, 0
    return (1, 0, 0) if rc == 0 else (0, 1, 0)


def run_step(step, build):
    start = time.monotonic()
    proc = subprocess.Popen(["make", "--no-print-directory", step, "BUILD=" + build], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")
    chunks = []
    for line in proc.stdout:
        sys.stdout.write(line)
        chunks.append(line)
    rc = proc.wait()
    return rc, "".join(chunks), time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", required=True)
    parser.add_argument("--steps", nargs="*", default=STEPS)
    args = parser.parse_args()
    rows, total = [], [0, 0, 0]
    started = time.monotonic()
    rc = 0
    for step in args.steps:
        print("\n===== make %s =====" % step, flush=True)
        rc, output, seconds = run_step(step, args.build)
        passed, failed, skipped = count_step(step, rc, output, args.build)
        if rc == 0 and step in TEST_STEPS and (passed == 0 or "All targets skipped" in output):
            print("ERROR: make %s ran no test" % step)
            rc = 1
        if rc != 0 and failed == 0:
            failed = 1
        rows.append((step, "ok" if rc == 0 else "FAILED", seconds, passed, failed, skipped))
        for i, n in enumerate((passed, failed, skipped)):
            total[i] += n
        if rc != 0:
            break
    print("\n%-12s %-7s %9s %7s %7s %7s" % ("step", "result", "seconds", "passed", "failed", "skipped"))
    for step, result, seconds, passed, failed, skipped in rows:
        print("%-12s %-7s %9.1f %7d %7d %7d" % (step, result, seconds, passed, failed, skipped))
    not_run = [s for s in args.steps if s not in [r[0] for r in rows]]
    if not_run:
        print("not run after the failure: %s" % ", ".join(not_run))
    print("total time: %.1f s" % (time.monotonic() - started))
    print("%d passed, %d failed" % (total[0], total[1]) + (", %d skipped" % total[2] if total[2] else ""))
    return 1 if rc != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
