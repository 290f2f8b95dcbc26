#!/usr/bin/python3
"""seal_interop.py — the sealed-content format of hub/crypto/seal.h, written again from its
documentation with python3-cryptography (Debian package python3-cryptography), to prove that a
school can implement it in another language.

    seal_interop.py open --key PRIVATE.pem --aad TEXT FILE     print the opened plaintext
    seal_interop.py seal --pub BASE64 --aad TEXT FILE          print the sealed bytes (raw)
    seal_interop.py handover-aad HANDOVER_ID PLACEMENT_ID UNIT print the AAD of a handover

Exit codes: 0 ok, 1 the content does not open, 2 usage.
"""
import base64
import os
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = 1
INFO = b"sams-hub seal v1"
HEADER = 1 + 32 + 12 + 16


def raw_public(key):
    if isinstance(key, X25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def derive(shared, eph_pub, recipient_pub):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=eph_pub + recipient_pub,
                info=INFO).derive(shared)


def seal(recipient_pub, aad, plain):
    eph = X25519PrivateKey.generate()
    eph_pub = raw_public(eph)
    key = derive(eph.exchange(X25519PublicKey.from_public_bytes(recipient_pub)), eph_pub,
                 recipient_pub)
    iv = os.urandom(12)
    head = bytes([VERSION]) + eph_pub + iv
    ct_tag = AESGCM(key).encrypt(iv, plain, head + aad)  # ciphertext ‖ tag
    return head + ct_tag[-16:] + ct_tag[:-16]


def open_sealed(private_key, aad, sealed):
    if len(sealed) < HEADER:
        raise ValueError("truncated")
    if sealed[0] != VERSION:
        raise ValueError("unknown version %d" % sealed[0])
    eph_pub, iv, tag, ct = sealed[1:33], sealed[33:45], sealed[45:61], sealed[61:]
    key = derive(private_key.exchange(X25519PublicKey.from_public_bytes(eph_pub)), eph_pub,
                 raw_public(private_key))
    return AESGCM(key).decrypt(iv, ct + tag, sealed[:45] + aad)


def main(argv):
    if len(argv) >= 2 and argv[1] == "handover-aad" and len(argv) == 5:
        print("%s|%s|%s" % (argv[2].lower(), argv[3].lower(), argv[4]))
        return 0
    if len(argv) != 7 or argv[1] not in ("open", "seal") or argv[4] != "--aad":
        sys.stderr.write(__doc__)
        return 2
    aad = argv[5].encode()
    with open(argv[6], "rb") as f:
        data = f.read()
    if argv[1] == "open" and argv[2] == "--key":
        with open(argv[3], "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
        try:
            plain = open_sealed(key, aad, data)
        except (InvalidTag, ValueError) as e:
            sys.stderr.write("seal_interop.py: does not open: %r\n" % (e,))
            return 1
        sys.stdout.buffer.write(plain)
        return 0
    if argv[1] == "seal" and argv[2] == "--pub":
        sys.stdout.buffer.write(seal(base64.b64decode(argv[3], validate=True), aad, data))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
