/* isa.c — picks the kernel table (contract in include/rlc/isa.h). */
#include <stdlib.h>
#include <string.h>
#include "rlc/isa.h"
#include "kernels.h"

const rlc_kernels *rlc_kernels_current = &rlc_kernels_generic;

static const rlc_kernels *table(const char *name)
{
    if (!name)
        return NULL;
    if (strcmp(name, "generic") == 0)
        return &rlc_kernels_generic;
#if defined(RLC_HAVE_ISA_X86)
    __builtin_cpu_init();
    if (strcmp(name, "avx2") == 0)
        return __builtin_cpu_supports("avx2") ? &rlc_kernels_avx2 : NULL;
    if (strcmp(name, "avx512") == 0)
        return __builtin_cpu_supports("avx512f") ? &rlc_kernels_avx512 : NULL;
#endif
    return NULL;
}

/* At load time: RLC_ISA if usable, else the widest path. */
__attribute__((constructor)) static void pick(void)
{
    const rlc_kernels *k = table(getenv("RLC_ISA"));
    if (!k)
        k = table("avx512");
    if (!k)
        k = table("avx2");
    rlc_kernels_current = k ? k : &rlc_kernels_generic;
}

const char *rlc_isa(void) { return rlc_kernels_current->isa; }

bool rlc_isa_supported(const char *name) { return table(name) != NULL; }

rlc_status rlc_isa_set(const char *name)
{
    const rlc_kernels *k = table(name);
    if (!k)
        return RLC_EINVAL;
    rlc_kernels_current = k;
    return RLC_OK;
}

const char *rlc_isa_names(void)
{
#if defined(RLC_HAVE_ISA_X86)
    return "generic, avx2, avx512";
#else
    return "generic";
#endif
}
