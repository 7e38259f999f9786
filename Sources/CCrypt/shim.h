// libxcrypt (Debian's libcrypt1 at run time, libcrypt-dev at build time) for bcrypt password
// hashing: crypt_gensalt_rn and the reentrant crypt_rn with a caller-owned struct crypt_data.
#ifndef PANORAMA_CCRYPT_SHIM_H
#define PANORAMA_CCRYPT_SHIM_H

#include <crypt.h>

#endif
