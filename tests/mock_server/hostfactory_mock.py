#!/usr/bin/env python
# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Entry point of the bundled mock server; see README.md in this directory."""

from __future__ import annotations

import sys

from hfmock.cli import main

if __name__ == '__main__':
    sys.exit(main())
