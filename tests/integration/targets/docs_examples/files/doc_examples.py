# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every YAML example of the documentation, made runnable against the bundled mock, or skipped for a stated reason.

Sources: the code blocks of docs/docsite/rst/*.rst (``yaml``, ``yaml+jinja``), the ```yaml fences of README.md and
roles/*/README.md, and the EXAMPLES of every plugin (one example per task). Each rst/md block must be preceded by a
decision, ``.. example: ID`` or ``.. example: skip (reason)`` (``<!-- example: ... -->`` in Markdown); the EXAMPLES
tasks are decided in the manifest (``plugins: {file: {task name: run | run ID | skip (reason)}}``: ``run`` puts the
task in the file's ``_run`` example setting, ``run ID`` in another one, for a task that needs another server). An
example without a decision, a decision without a reason, an ID the manifest does not know and a manifest entry that
matches no example are errors: the docs cannot gain an example that nobody runs.

For each runnable example it writes a directory with the playbook (the example, wrapped in a play when it is a task
list or variables), its inventory of simulated machines (local connection, their files under the directory instead
of /etc), and files/conjur-ca.pem next to the playbook; URLs, controller paths and logins are substituted from the
manifest's substitution table. A string that still names /etc/ after that is an error: no example may write to this
machine's /etc. Prints one JSON document: {"examples": [...], "skipped": [...], "errors": [...]}.

    doc_examples.py --collection DIR --manifest FILE --out DIR --settings FILE
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys

import yaml

RST_BLOCK = re.compile(r'^\.\. code-block:: (yaml|yaml\+jinja)\s*$')
RST_DECISION = re.compile(r'^\.\. example: (.*)$')
MD_FENCE = re.compile(r'^```(yaml|yaml\+jinja)\s*$')
MD_DECISION = re.compile(r'^<!-- example: (.*) -->$')
SKIP = re.compile(r'^skip \((.+)\)$')
RUN = re.compile(r'^run(?: (\S+))?$')
EXAMPLES = re.compile(r'^EXAMPLES = r?("""|\'\'\')\n(.*?)^\1', re.S | re.M)


def rst_blocks(path, text):
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if not RST_BLOCK.match(line):
            continue
        body, cursor = [], index + 1
        while cursor < len(lines) and (not lines[cursor].strip() or lines[cursor].startswith(' ')):
            body.append(lines[cursor])
            cursor += 1
        previous = index - 1
        while previous >= 0 and not lines[previous].strip():
            previous -= 1
        decision = RST_DECISION.match(lines[previous]) if previous >= 0 else None
        yield index + 1, decision.group(1).strip() if decision else None, dedent(body)


def md_blocks(path, text):
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if not MD_FENCE.match(line):
            continue
        cursor = index + 1
        while cursor < len(lines) and lines[cursor].strip() != '```':
            cursor += 1
        previous = index - 1
        while previous >= 0 and not lines[previous].strip():
            previous -= 1
        decision = MD_DECISION.match(lines[previous]) if previous >= 0 else None
        yield index + 1, decision.group(1).strip() if decision else None, '\n'.join(lines[index + 1:cursor]) + '\n'


def dedent(lines):
    width = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return '\n'.join(line[width:] for line in lines).strip('\n') + '\n'


def doc_examples(collection):
    """(source, line, decision, text) of every YAML block of the rst and Markdown documentation."""
    sources = sorted(glob.glob(os.path.join(collection, 'docs', 'docsite', 'rst', '*.rst')))
    role_readmes = glob.glob(os.path.join(collection, 'roles', '*', 'README.md'))
    markdown = [os.path.join(collection, 'README.md')] + sorted(role_readmes)
    for path in sources + [p for p in markdown if os.path.exists(p)]:
        with open(path, encoding='utf-8') as handle:
            text = handle.read()
        blocks = rst_blocks if path.endswith('.rst') else md_blocks
        for line, decision, body in blocks(path, text):
            yield os.path.relpath(path, collection), line, decision, body


def plugin_examples(collection):
    """{plugin file: [tasks]} of every plugin's EXAMPLES."""
    found = {}
    for path in sorted(glob.glob(os.path.join(collection, 'plugins', '*', '*.py'))):
        with open(path, encoding='utf-8') as handle:
            match = EXAMPLES.search(handle.read())
        if match and match.group(2).strip():
            found[os.path.relpath(path, collection)] = yaml.safe_load(match.group(2)) or []
    return found


def substitute(value, table):
    """C(value) with every string rewritten by the substitution table (longest match first)."""
    if isinstance(value, str):
        for old in sorted(table, key=len, reverse=True):
            value = value.replace(old, table[old])
        return value
    if isinstance(value, list):
        return [substitute(item, table) for item in value]
    if isinstance(value, dict):
        return dict((substitute(k, table), substitute(v, table)) for k, v in value.items())
    return value


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)


def replace_tasks(value, stand_ins):
    """Tasks named in C(stand_ins) replaced by the stand-in (for a cloud module the mock does not serve)."""
    if isinstance(value, list):
        return [replace_tasks(item, stand_ins) for item in value]
    if isinstance(value, dict):
        if value.get('name') in stand_ins:
            return dict(stand_ins[value['name']], name=value['name'])
        return dict((k, replace_tasks(v, stand_ins)) for k, v in value.items())
    return value


def merge_defaults(value, defaults):
    """The harness's module_defaults under every task's or block's own (which would otherwise replace them)."""
    if isinstance(value, list):
        return [merge_defaults(item, defaults) for item in value]
    if isinstance(value, dict):
        value = dict((k, merge_defaults(v, defaults)) for k, v in value.items())
        if isinstance(value.get('module_defaults'), dict):
            merged = dict(value['module_defaults'])
            for action, options in defaults.items():
                merged[action] = dict(options, **(merged.get(action) or {}))
            value['module_defaults'] = merged
        return value
    return value


def as_playbook(kind, data, spec):
    """The example as a list of plays."""
    if kind == 'play':
        return data
    play = {'name': 'Example %s' % spec['id'], 'hosts': spec.get('play_hosts', 'all'),
            'gather_facts': bool(spec.get('gather_facts'))}
    if kind == 'tasks':
        play['tasks'] = data
    elif kind == 'vars':
        play['roles'] = [{'role': spec['role'], 'vars': dict(spec.get('role_vars') or {}, **data)}]
    else:
        raise ValueError('unknown kind %s' % kind)
    return [play]


def groups_of(spec):
    return spec.get('groups') or {'all': ['node-1']}


def machine_dirs(spec, directory):
    """The directory of every simulated machine (its files instead of /etc), created."""
    found = []
    for group_hosts in list(groups_of(spec).values()) + [spec.get('machines') or []]:
        for host in group_hosts:
            path = os.path.join(directory, 'machines', host)
            os.makedirs(path, exist_ok=True)
            if path not in found:
                found.append(path)
    return found


def inventory(spec, directory, settings):
    inv = {'all': {'children': {}, 'vars': dict(settings['host_vars'], example_dir=directory)}}
    for group, hosts in groups_of(spec).items():
        entry = {'hosts': dict((host, None) for host in hosts)}
        if group == 'all':
            inv['all'].update(entry)
        else:
            inv['all']['children'][group] = entry
    return inv


def prepare(spec, data, out, settings, manifest):
    directory = os.path.join(out, spec['id'])
    os.makedirs(os.path.join(directory, 'files'), exist_ok=True)
    table = dict(manifest.get('substitutions') or {})
    for extra in (settings.get('substitutions'), spec.get('substitutions')):  # the example's own win
        table.update((k, v.replace('EXAMPLE_DIR', directory)) for k, v in (extra or {}).items())
    plays = as_playbook(spec['kind'], replace_tasks(data, spec.get('stand_ins') or {}), spec)
    plays = substitute(plays, table)
    if spec.get('module_defaults'):
        for play in plays:
            play.setdefault('module_defaults', {})
        plays = merge_defaults(plays, spec['module_defaults'])
    left = sorted(set(s for s in strings(plays) if '/etc/' in s))
    if left:
        raise ValueError('still names /etc/ after the substitutions: %s' % ', '.join(left))
    with open(os.path.join(directory, 'playbook.yml'), 'w', encoding='utf-8') as handle:
        yaml.safe_dump(plays, handle, sort_keys=False)
    with open(os.path.join(directory, 'inventory.yml'), 'w', encoding='utf-8') as handle:
        yaml.safe_dump(inventory(spec, directory, settings), handle, sort_keys=False)
    with open(settings['ca_path'], encoding='utf-8') as src, \
            open(os.path.join(directory, 'files', 'conjur-ca.pem'), 'w', encoding='utf-8') as dst:
        dst.write(src.read())
    runs = spec.get('runs') or [[]]
    mint = spec.get('mint')
    return dict(id=spec['id'], source=spec['source'], dir=directory, machine_dirs=machine_dirs(spec, directory),
                runs=runs, mock=spec.get('mock') or 'main',
                mint=bool(mint), mint_options=mint if isinstance(mint, dict) else {}, env=spec.get('env') or {},
                expect=spec.get('expect') or {}, rerun_idle=bool(spec.get('rerun_idle')),
                rerun_unchanged=bool(spec.get('rerun_unchanged')))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--collection', required=True)
    parser.add_argument('--manifest', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--settings', required=True, help='JSON: ca_path, host_vars, substitutions')
    args = parser.parse_args(argv)
    with open(args.manifest, encoding='utf-8') as handle:
        manifest = yaml.safe_load(handle)
    with open(args.settings, encoding='utf-8') as handle:
        settings = json.load(handle)
    known = dict(manifest.get('examples') or {})
    used, examples, skipped, errors = set(), [], [], []

    def decide(source, decision, data, default_kind=None):
        skip = SKIP.match(decision)
        if skip:
            skipped.append({'source': source, 'reason': skip.group(1)})
            return
        if decision.startswith('skip'):
            errors.append('%s: a skipped example needs its reason: "skip (reason)"' % source)
            return
        if decision not in known:
            errors.append('%s: example %s is not in the manifest' % (source, decision))
            return
        used.add(decision)
        spec = dict(known[decision], id=decision, source=source)
        spec.setdefault('kind', default_kind or 'play')
        try:
            examples.append(prepare(spec, data, args.out, settings, manifest))
        except (ValueError, KeyError, TypeError) as exc:
            errors.append('%s: %s' % (source, exc))

    for path, line, decision, body in doc_examples(args.collection):
        source = '%s:%d' % (path, line)
        if decision is None:
            errors.append('%s: a YAML example without a decision (".. example: ID" or ".. example: skip (reason)" '
                          'on the line before)' % source)
            continue
        try:
            data = yaml.safe_load(body)
        except yaml.YAMLError as exc:
            errors.append('%s: not valid YAML: %s' % (source, str(exc).splitlines()[0]))
            continue
        decide(source, decision, data)

    decided = manifest.get('plugins') or {}
    for path, tasks in plugin_examples(args.collection).items():
        decisions = decided.get(path) or {}
        names = [task.get('name') for task in tasks]
        for name in set(decisions) - set(names) - {'_run'}:
            errors.append('%s: the manifest decides on task "%s", which its EXAMPLES do not have' % (path, name))
        chosen = {}  # example setting -> its tasks, in the order of EXAMPLES
        for task in tasks:
            decision = decisions.get(task.get('name'))
            source = '%s EXAMPLES: %s' % (path, task.get('name'))
            run = RUN.match(decision or '')
            if decision is None:
                errors.append('%s: an example task without a decision in the manifest' % source)
            elif run:
                chosen.setdefault(run.group(1), []).append(task)
            elif SKIP.match(decision):
                skipped.append({'source': source, 'reason': SKIP.match(decision).group(1)})
            else:
                errors.append('%s: the decision must be "run", "run ID" or "skip (reason)", got "%s"'
                              % (source, decision))
        for run_id, run_tasks in chosen.items():
            run_id = run_id or decisions.get('_run')
            if not run_id:
                errors.append('%s: the manifest has no _run (the example setting of its tasks)' % path)
                continue
            decide('%s EXAMPLES' % path, run_id, run_tasks, 'tasks')
    for name in sorted(set(known) - used):
        errors.append('manifest example %s matches no example of the documentation' % name)
    json.dump({'examples': examples, 'skipped': skipped, 'errors': errors}, sys.stdout, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
