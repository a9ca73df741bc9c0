import time, pyatspi, pathlib
stage = pathlib.Path("/tmp/a11y24/stage")
INTERESTING = {"push button", "radio button", "check box", "text", "password text", "combo box",
               "label", "table", "list", "page tab", "heading", "tool bar", "spin box", "list item"}
def walk(acc, depth, out, limit=[0]):
    try:
        role = acc.getRoleName(); name = acc.name or ""; desc = acc.description or ""
        states = acc.getState()
        showing = states.contains(pyatspi.STATE_SHOWING)
    except Exception:
        return
    if not showing and depth > 1:
        return
    if role in INTERESTING and (name or desc):
        flag = " [focused]" if states.contains(pyatspi.STATE_FOCUSED) else ""
        out.append(f"{'  '*min(depth,6)}{role}: {name!r}" + (f" — {desc!r}" if desc else "") + flag)
    for i in range(min(acc.childCount, 400)):
        walk(acc.getChildAtIndex(i), depth + 1, out)
seen = set()
end = time.time() + 30
while time.time() < end:
    s = stage.read_text() if stage.exists() else ""
    if s and s not in seen:
        time.sleep(1.5)
        seen.add(s)
        desk = pyatspi.Registry.getDesktop(0)
        out = []
        for i in range(desk.childCount):
            app = desk.getChildAtIndex(i)
            if app is not None:
                walk(app, 0, out)
        print(f"=== {s} ({len(out)} named nodes)")
        print("\n".join(out[:400]))
    time.sleep(0.3)
