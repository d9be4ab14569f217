// SPDX-License-Identifier: GPL-2.0
/*
 * A UIO driver for QEMU's `edu` PCI device (1234:11e8) that has an irqcontrol, unlike
 * uio_pci_generic: its handler masks the interrupt line (disable_irq_nosync) and counts the event;
 * user space acknowledges the device (edu register 0x64) and then re-enables the line with
 * write(fd, &(s32){1}, 4) on /dev/uioN, which lands in edu_irqcontrol() below.
 * Map 0 of the UIO device is BAR0 (the edu registers). Test-only: loads with a taint warning.
 */
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/uio_driver.h>

#define EDU_IRQ_STATUS 0x24

struct edu {
	struct uio_info info;
	void __iomem *regs;
	unsigned long masked; /* bit 0: the line is disabled by us */
};

static irqreturn_t edu_handler(int irq, struct uio_info *info)
{
	struct edu *edu = container_of(info, struct edu, info);

	if (!ioread32(edu->regs + EDU_IRQ_STATUS)) /* not ours (the line may be shared) */
		return IRQ_NONE;
	if (!test_and_set_bit(0, &edu->masked))
		disable_irq_nosync(irq);
	return IRQ_HANDLED; /* the UIO core counts the event and wakes readers, pollers, SIGIO */
}

static int edu_irqcontrol(struct uio_info *info, s32 on)
{
	struct edu *edu = container_of(info, struct edu, info);

	if (on && test_and_clear_bit(0, &edu->masked))
		enable_irq(info->irq);
	else if (!on && !test_and_set_bit(0, &edu->masked))
		disable_irq(info->irq);
	return 0;
}

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu *edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	int err;

	if (!edu)
		return -ENOMEM;
	err = pcim_enable_device(pdev);
	if (!err)
		err = pcim_iomap_regions(pdev, BIT(0), "edu_irqcontrol");
	if (err)
		return err;
	edu->regs = pcim_iomap_table(pdev)[0];
	edu->info.name = "edu_irqcontrol";
	edu->info.version = "1";
	edu->info.irq = pdev->irq;
	edu->info.irq_flags = IRQF_SHARED;
	edu->info.handler = edu_handler;
	edu->info.irqcontrol = edu_irqcontrol;
	edu->info.mem[0].name = "bar0";
	edu->info.mem[0].addr = pci_resource_start(pdev, 0);
	edu->info.mem[0].size = pci_resource_len(pdev, 0);
	edu->info.mem[0].memtype = UIO_MEM_PHYS;
	return devm_uio_register_device(&pdev->dev, &edu->info);
}

static const struct pci_device_id edu_ids[] = { { PCI_DEVICE(0x1234, 0x11e8) }, {} };
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = "edu_irqcontrol",
	.id_table = edu_ids,
	.probe = edu_probe,
};
module_pci_driver(edu_driver);

MODULE_DESCRIPTION("UIO driver with irqcontrol for QEMU's edu device (iolens tests)");
MODULE_LICENSE("GPL");
