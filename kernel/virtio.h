// virtio over MMIO: register offsets and ring layouts, from the virtio 1.1
// specification (legacy interface: section 4.2.4).

#define VIRTIO_MMIO_MAGIC_VALUE      0x000 // 0x74726976 "virt"
#define VIRTIO_MMIO_VERSION          0x004 // 1 legacy, 2 modern
#define VIRTIO_MMIO_DEVICE_ID        0x008 // 2 = block device
#define VIRTIO_MMIO_VENDOR_ID        0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES  0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES  0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_GUEST_PAGE_SIZE  0x028 // legacy only
#define VIRTIO_MMIO_QUEUE_SEL        0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX    0x034
#define VIRTIO_MMIO_QUEUE_NUM        0x038
#define VIRTIO_MMIO_QUEUE_ALIGN      0x03c // legacy only
#define VIRTIO_MMIO_QUEUE_PFN        0x040 // legacy only
#define VIRTIO_MMIO_QUEUE_READY      0x044 // modern only
#define VIRTIO_MMIO_QUEUE_NOTIFY     0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK    0x064
#define VIRTIO_MMIO_STATUS           0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW   0x080 // modern only, from here
#define VIRTIO_MMIO_QUEUE_DESC_HIGH  0x084
#define VIRTIO_MMIO_QUEUE_AVAIL_LOW  0x090
#define VIRTIO_MMIO_QUEUE_AVAIL_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_USED_LOW   0x0a0
#define VIRTIO_MMIO_QUEUE_USED_HIGH  0x0a4
#define VIRTIO_MMIO_CONFIG           0x100 // device-specific

// status register bits
#define VIRTIO_CONFIG_S_ACKNOWLEDGE  1
#define VIRTIO_CONFIG_S_DRIVER       2
#define VIRTIO_CONFIG_S_DRIVER_OK    4
#define VIRTIO_CONFIG_S_FEATURES_OK  8
#define VIRTIO_CONFIG_S_FAILED       128

#define VIRTIO_F_VERSION_1 32   // feature bit: the modern interface

// A descriptor: one buffer of a request.
struct virtq_desc {
  uint64 addr;
  uint32 len;
  uint16 flags;
  uint16 next;
};
#define VRING_DESC_F_NEXT  1 // chained with another descriptor
#define VRING_DESC_F_WRITE 2 // device writes (vs read)

// The driver's ring of request heads.
struct virtq_avail {
  uint16 flags;
  uint16 idx;      // where the driver writes the next entry
  uint16 ring[];
};

struct virtq_used_elem {
  uint32 id;   // index of the head descriptor of a completed request
  uint32 len;
};

// The device's ring of completed requests.
struct virtq_used {
  uint16 flags;
  uint16 idx;
  struct virtq_used_elem ring[];
};

// virtio-blk request header (the first descriptor of a request).
#define VIRTIO_BLK_T_IN  0 // read the disk
#define VIRTIO_BLK_T_OUT 1 // write the disk
struct virtio_blk_req {
  uint32 type;
  uint32 reserved;
  uint64 sector;
};
