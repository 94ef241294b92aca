# SPDX-License-Identifier: GPL-2.0-or-later
# in meson_options_help(), between avx512bw and blkio:
  printf "%s\n" '  barrierclient   Barrier client using libbarrierclient'

# in _meson_option_parse(), before --enable-blkio:
    --enable-barrierclient) printf "%s" -Dbarrierclient=enabled ;;
    --disable-barrierclient) printf "%s" -Dbarrierclient=disabled ;;
