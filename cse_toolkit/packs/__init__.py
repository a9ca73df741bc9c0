"""Qt-free referral/intelligence/screening packs: PDF, pack.json, signing, encryption, verify.

- `schema`   the pack.json model (pydantic, strict, capped) and its published JSON Schema
- `signing`  Ed25519 over canonical JSON; key fingerprints for display
- `password` six-word pack passwords (at most 32 characters, about 61 bits)
- `render`   the readable PDF, in memory (ReportLab)
- `pdfpack`  build / write / open / verify the AES-256 (R6) pack file (pikepdf)

Never imports PySide6 or sqlcipher3: the vault hands plain records in, the GUI shows results.
"""
