/*
 * The entry points of the lazily loaded C libraries (lazy_symbols.def), as goose's code calls them.
 *
 * Each function is a jump through its slot in goose_lazy_slots. A slot starts out pointing at a resolver entry
 * that saves the argument registers, calls goose_lazy_resolve (resolver.c: loads the library, looks the function
 * up, fills the slot), restores them and jumps to the function, so that the first call arrives exactly as if it
 * had been made directly and every later call costs one indirect jump. Being a jump, it works for every
 * signature, variadic functions included. The symbols are hidden: they satisfy goose's own references (so the
 * linker, with --as-needed, records no dependency on the library) and never interpose on the libraries' calls
 * to each other.
 */
#define LAZY_LIBRARY(index, soname)

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "goose loads libraries lazily on x86_64 and aarch64 only (Sources/CLazyLibraries/trampolines.S)"
#endif

        /* One slot per function, first pointing at the function's resolver entry (below, per architecture). */
        .section .data.rel,"aw"
        .balign 8
        .globl goose_lazy_slots
        .hidden goose_lazy_slots
goose_lazy_slots:
#define LAZY_SYMBOL(index, library, name) .quad .Lresolve_##index;
#include "lazy_symbols.def"
#undef LAZY_SYMBOL

#if defined(__x86_64__)

        .text
#define LAZY_SYMBOL(index, library, name) \
        .globl name; .hidden name; .type name, @function; .balign 16; \
name:   jmp *goose_lazy_slots + 8 * index(%rip); \
        .size name, . - name; \
.Lresolve_##index: pushq $index; jmp .Lresolve_common;
#include "lazy_symbols.def"
#undef LAZY_SYMBOL

        /* On entry: the symbol's index at (%rsp), the caller's return address above it; %rsp is 16-byte aligned. */
.Lresolve_common:
        pushq %rdi; pushq %rsi; pushq %rdx; pushq %rcx; pushq %r8; pushq %r9; pushq %rax
        subq $136, %rsp                         /* eight vector argument registers, and alignment */
        movdqu %xmm0, 0(%rsp);   movdqu %xmm1, 16(%rsp);  movdqu %xmm2, 32(%rsp);  movdqu %xmm3, 48(%rsp)
        movdqu %xmm4, 64(%rsp);  movdqu %xmm5, 80(%rsp);  movdqu %xmm6, 96(%rsp);  movdqu %xmm7, 112(%rsp)
        movq 192(%rsp), %rdi                    /* 136 + 7 * 8: the index */
        call goose_lazy_resolve
        movq %rax, %r11
        movdqu 0(%rsp), %xmm0;   movdqu 16(%rsp), %xmm1;  movdqu 32(%rsp), %xmm2;  movdqu 48(%rsp), %xmm3
        movdqu 64(%rsp), %xmm4;  movdqu 80(%rsp), %xmm5;  movdqu 96(%rsp), %xmm6;  movdqu 112(%rsp), %xmm7
        addq $136, %rsp
        popq %rax; popq %r9; popq %r8; popq %rcx; popq %rdx; popq %rsi; popq %rdi
        addq $8, %rsp                           /* the index */
        jmp *%r11

#elif defined(__aarch64__)

        .text
#define LAZY_SYMBOL(index, library, name) \
        .globl name; .hidden name; .type name, %function; .balign 16; \
name:   adrp x16, goose_lazy_slots + 8 * index; \
        ldr x16, [x16, #:lo12:goose_lazy_slots + 8 * index]; \
        br x16; \
        .size name, . - name; \
.Lresolve_##index: mov x17, index; /* no "#": the preprocessor would quote it */ b .Lresolve_common;
#include "lazy_symbols.def"
#undef LAZY_SYMBOL

        /* On entry: the symbol's index in x17, the caller's return address in x30. */
.Lresolve_common:
        stp x29, x30, [sp, #-224]!
        mov x29, sp
        stp x0, x1, [sp, #16];  stp x2, x3, [sp, #32];  stp x4, x5, [sp, #48];  stp x6, x7, [sp, #64]
        str x8, [sp, #80]
        stp q0, q1, [sp, #96];  stp q2, q3, [sp, #128]; stp q4, q5, [sp, #160]; stp q6, q7, [sp, #192]
        mov x0, x17
        bl goose_lazy_resolve
        mov x16, x0
        ldp q0, q1, [sp, #96];  ldp q2, q3, [sp, #128]; ldp q4, q5, [sp, #160]; ldp q6, q7, [sp, #192]
        ldr x8, [sp, #80]
        ldp x0, x1, [sp, #16];  ldp x2, x3, [sp, #32];  ldp x4, x5, [sp, #48];  ldp x6, x7, [sp, #64]
        ldp x29, x30, [sp], #224
        br x16

#endif

        .section .note.GNU-stack,"",%progbits
