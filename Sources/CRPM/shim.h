#include <rpm/rpmlib.h>
#include <rpm/header.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmtd.h>
#include <rpm/rpmts.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmds.h>
#include <rpm/rpmstrpool.h>
#include <rpm/rpmfi.h>
#include <rpm/rpmfiles.h>
#include <rpm/rpmarchive.h>
#include <rpm/rpmio.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmver.h>
#include <rpm/rpmcrypto.h>
#include <rpm/rpmpgp.h>
#include <rpm/rpmkeyring.h>
#include <rpm/rpmspec.h>
#include <rpm/rpmbuild.h>
#include <rpm/rpmsign.h>
#include <rpm/rpmcli.h>

/* Macros that are casts or combined enums do not import into Swift. */
static inline rpmVSFlags goose_rpm_vsf_mask_nosignatures(void) { return RPMVSF_MASK_NOSIGNATURES; }
static inline rpmVSFlags goose_rpm_vsf_mask_nodigests(void) { return RPMVSF_MASK_NODIGESTS; }
