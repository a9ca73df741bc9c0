"""Qt-free encrypted storage: key slots, SQLCipher connection, schema, repositories, audit chain.

This package is the only place that imports sqlcipher3.
"""
