#!/usr/bin/python3
"""token.py ID SECRET EXPIRES — a download token made independently of ferry's
C code, from the documented format: v1.<expires>.<base64url(HMAC-SHA-256(
secret, "v1|<id>|<expires>"))> without padding."""
import base64, hashlib, hmac, sys

rid, secret, expires = sys.argv[1], sys.argv[2], int(sys.argv[3])
mac = hmac.new(secret.encode(), f"v1|{rid}|{expires}".encode(), hashlib.sha256).digest()
print(f"v1.{expires}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}")
