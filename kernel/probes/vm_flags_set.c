// SPDX-License-Identifier: GPL-2.0
/* HAVE_VM_FLAGS_SET: vm_flags_set() and vm_flags_clear() exist (6.3+). */
#include <linux/mm.h>

void iomd_probe(struct vm_area_struct *vma);
void iomd_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTEXPAND);
	vm_flags_clear(vma, VM_MAYWRITE);
}
