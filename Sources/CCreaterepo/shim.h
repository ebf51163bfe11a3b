#include <createrepo_c/createrepo_c.h>
