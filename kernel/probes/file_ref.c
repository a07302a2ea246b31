// SPDX-License-Identifier: GPL-2.0
/* HAVE_FILE_REF: a file's count is a file_ref_t (6.13+). */
#include <linux/fs.h>
#include <linux/file_ref.h>

bool iomd_probe(struct file *file);
bool iomd_probe(struct file *file)
{
	return file_ref_get(&file->f_ref);
}
