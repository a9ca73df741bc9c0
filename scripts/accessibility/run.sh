#!/bin/sh
export DISPLAY=:24 QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1 QT_ACCESSIBILITY=1 GTK_MODULES=gail:atk-bridge
rm -f /tmp/a11y24/stage
/usr/libexec/at-spi-bus-launcher --launch-immediately &
sleep 1
cd /work/wt-24 && PYTHONPATH=/work/wt-24 /work/main/.venv/bin/python scripts/accessibility/atspi_drive.py > /tmp/a11y24/drive.log 2>&1 &
APP=$!
/usr/bin/python3 scripts/accessibility/atspi_dump.py > /tmp/a11y24/tree.txt 2>/tmp/a11y24/dump.err
wait $APP
