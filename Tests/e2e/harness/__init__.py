# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end test harness for barrierclient: a real or scripted Barrier server,
an X display driven with xdotool, and QEMU with its input trace."""
