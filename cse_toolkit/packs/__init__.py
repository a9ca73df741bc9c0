"""Qt-free referral/intelligence/screening packs: PDF, pack.json, signing, encryption, verify."""
