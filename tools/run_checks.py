# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make test`: run every nox session of noxfile.py (and the mock server's suite) in order, stop at the first
failure, print a summary table and a closing `N passed, N failed` line that adds up real results.

Where each step's counts come from:
- antsibull-nox's sessions: the JUnit XML antsibull-nox writes (ANTSIBULL_NOX_OUTPUT_JUNIT_XML_PATH), one test case
  per checker it ran (flake8, yamllint of files, plugins and extra docs, each extra check, ...);
- ansible-test sanity: the sanity tests that ran and the ones it reports as failed;
- ansible-test units and the mock server's suite: their pytest JUnit files (test cases);
- ansible-test integration: the assert tasks that passed, plus tools/leak_check.py's self-test cases and its scan;
- the tarball test: the checks tools/tarball_check.py reports; ee-create counts as one.
A test step that ran no test fails.

Two lanes on the 2 cores a CI runner has: the integration session of the newest ansible-core (the longest step, much
of it spent waiting on sockets, sleeps and child processes) runs beside all the other steps, which run one after
another. Each step's output goes to BUILD/logs/<step>.log and is printed whole when the step ends, so the two lanes'
output never interleaves. After a failure no new step starts; the step still running in the other lane finishes and
is counted.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The order of the steps; an entry ending in '-' stands for the sessions of every ansible-core version, oldest first.
ORDER = ('lint', 'extra-checks', 'ansible-lint', 'docs-check', 'ansible-test-sanity-', 'ansible-test-units-',
         'ansible-test-integration-', 'mock-tests', 'build-import-check', 'tarball-', 'ee-create')
ANTSIBULL_NOX = ('lint', 'extra-checks', 'ansible-lint', 'docs-check', 'build-import-check')
TEST_STEPS = ('ansible-test-sanity-', 'ansible-test-units-', 'ansible-test-integration-', 'mock-tests', 'tarball-')


def version_key(name):
    return tuple(int(part) for part in re.findall(r'\d+', name))


def default_steps():
    """ORDER with each versioned entry expanded to the sessions noxfile.py defines."""
    nox = os.path.join(os.path.dirname(sys.executable), 'nox')
    listing = subprocess.run([nox, '--noxfile', os.path.join(ROOT, 'noxfile.py'), '--list', '--json'], check=True,
                             stdout=subprocess.PIPE, text=True).stdout
    sessions = [entry['name'] for entry in json.loads(listing)]
    steps = []
    for entry in ORDER:
        if entry.endswith('-'):
            versions = sorted((name for name in sessions if name.startswith(entry)), key=version_key)
            if not versions:
                raise SystemExit('ERROR: noxfile.py has no session %s<version> (nox --list --json)' % entry)
            steps.extend(versions)
        else:
            steps.append(entry)
    return steps


def junit_counts(paths):
    passed = failed = skipped = 0
    for path in paths:
        root = ET.parse(path).getroot()
        for case in root.iter('testcase'):
            if case.find('failure') is not None or case.find('error') is not None:
                failed += 1
            elif case.find('skipped') is not None:
                skipped += 1
            else:
                passed += 1
    return passed, failed, skipped


def count_step(step, rc, output, build):
    """Return (passed, failed, skipped) for one step."""
    if step in ANTSIBULL_NOX:
        path = os.path.join(build, 'junit', step + '.xml')
        counts = junit_counts([path]) if os.path.exists(path) else (0, 0, 0)
        return counts if any(counts) else ((1, 0, 0) if rc == 0 else (0, 1, 0))
    if step.startswith('ansible-test-sanity-'):
        ran = len(re.findall(r'^Running sanity test "', output, re.M))
        match = re.search(r"The (\d+) sanity test\(s\) listed below \(out of (\d+)\) failed", output)
        failed = int(match.group(1)) if match else (0 if rc == 0 else 1)
        return max(ran - failed, 0), failed, 0
    if step.startswith('ansible-test-units-'):
        return junit_counts(glob.glob(os.path.join(ROOT, 'tests', 'output', step, 'junit', '*.xml')))
    if step == 'mock-tests':
        return junit_counts(glob.glob(os.path.join(build, 'junit', 'mock.xml')))
    if step.startswith('ansible-test-integration-'):
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
    if step.startswith('tarball-'):
        match = re.search(r"^tarball check: (\d+) checks passed, (\d+) failed$", output, re.M)
        return (int(match.group(1)), int(match.group(2)), 0) if match else (0, 0 if rc == 0 else 1, 0)
    return (1, 0, 0) if rc == 0 else (0, 1, 0)


def run_step(step, build):
    """Run `make <step>` with its output in BUILD/logs/<step>.log; return (rc, output, seconds, CPU seconds)."""
    junit = os.path.join(build, 'junit', step + '.xml')
    os.makedirs(os.path.dirname(junit), exist_ok=True)
    if os.path.exists(junit):
        os.unlink(junit)
    log = os.path.join(build, 'logs', step + '.log')
    os.makedirs(os.path.dirname(log), exist_ok=True)
    env = dict(os.environ, ANTSIBULL_NOX_OUTPUT_JUNIT_XML_PATH=junit)
    start = time.monotonic()
    with open(log, 'w', encoding='utf-8', errors='replace') as out:
        proc = subprocess.Popen(["make", "--no-print-directory", step, "BUILD=" + build], stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
        # wait4: the CPU time of this step's whole process tree, even while the other lane runs
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = rc = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - start
    with open(log, encoding='utf-8', errors='replace') as handle:
        return rc, handle.read(), seconds, usage.ru_utime + usage.ru_stime


class Runner:
    """Runs the steps in two lanes (see the module's docstring) and keeps each step's row for the summary."""

    def __init__(self, steps, build):
        self.steps, self.build = steps, build
        self.rows = {}
        self.failed = False
        self.lock = threading.Lock()

    def finish(self, step, rc, output, seconds, cpu):
        passed, failed, skipped = count_step(step, rc, output, self.build)
        with self.lock:
            print("\n===== make %s (%.0f s, %.0f CPU s) =====" % (step, seconds, cpu))
            sys.stdout.write(output)
            if rc == 0 and step.startswith(TEST_STEPS) and (passed == 0 or "All targets skipped" in output):
                print("ERROR: make %s ran no test" % step)
                rc = 1
            if rc != 0 and failed == 0:
                failed = 1
            print("===== make %s: %s =====" % (step, "ok" if rc == 0 else "FAILED"), flush=True)
            self.rows[step] = (step, "ok" if rc == 0 else "FAILED", seconds, cpu, passed, failed, skipped)
            self.failed = self.failed or rc != 0

    def lane(self, lane_steps):
        for step in lane_steps:
            with self.lock:
                if self.failed:
                    return
                print("----- started: make %s" % step, flush=True)
            try:
                self.finish(step, *run_step(step, self.build))
            except Exception as error:  # pylint: disable=broad-exception-caught  # a lane must not end silently
                with self.lock:
                    print("ERROR: make %s: %s: %s" % (step, type(error).__name__, error), flush=True)
                    self.rows[step] = (step, "FAILED", 0.0, 0.0, 0, 1, 0)
                    self.failed = True
                return

    def run(self):
        # the lane of its own: the integration session of the newest ansible-core
        integration = [step for step in self.steps if step.startswith('ansible-test-integration-')]
        own = [max(integration, key=version_key)] if integration else []
        rest = [step for step in self.steps if step not in own]
        lanes = [threading.Thread(target=self.lane, args=(lane_steps,)) for lane_steps in (own, rest) if lane_steps]
        for thread in lanes:
            thread.start()
        for thread in lanes:
            thread.join()
        return [self.rows[step] for step in self.steps if step in self.rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", required=True)
    parser.add_argument("--steps", nargs="*")
    args = parser.parse_args()
    steps = args.steps or default_steps()
    print("make test: %s" % ", ".join(steps), flush=True)
    started = time.monotonic()
    runner = Runner(steps, args.build)
    rows = runner.run()
    total = [sum(row[i] for row in rows) for i in (4, 5, 6)]
    width = max(len(step) for step in steps)
    header = ("step", "result", "seconds", "CPU s", "passed", "failed", "skipped")
    print("\n%-*s %-7s %9s %9s %7s %7s %7s" % ((width,) + header))
    for step, result, seconds, cpu, passed, failed, skipped in rows:
        print("%-*s %-7s %9.1f %9.1f %7d %7d %7d" % (width, step, result, seconds, cpu, passed, failed, skipped))
    not_run = [s for s in steps if s not in [r[0] for r in rows]]
    if not_run:
        print("not run after the failure: %s" % ", ".join(not_run))
    print("total time: %.1f s (CPU %.1f s)" % (time.monotonic() - started, sum(row[3] for row in rows)))
    print("%d passed, %d failed" % (total[0], total[1]) + (", %d skipped" % total[2] if total[2] else ""))
    return 1 if runner.failed else 0


if __name__ == "__main__":
    sys.exit(main())
