#pragma once
// The core's checksum hash functions, backed by Qt's QCryptographicHash.
#include "core/integrity/Checksum.h"

namespace maria2 {

// md5, sha-1, sha-256, sha-512; nullptr for anything else.
DigestFactory qtDigestFactory();

} // namespace maria2
