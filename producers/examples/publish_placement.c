/*
 * publish_placement.c — the smallest district program: publish one placement and wait for the
 * hub's acknowledgement.
 *
 *   publish_placement CONFIG PERSONNUMMER
 *
 * Build against the installed library:  cc publish_placement.c -lsams_publish ...
 */
#include <sams_publish.h>

#include <stdio.h>

int main(int argc, char **argv)
{
    sams_publisher_t *p = NULL;
    char why[512];
    size_t ticket = 0;

    if (argc != 3) {
        fprintf(stderr, "usage: %s CONFIG PERSONNUMMER\n", argv[0]);
        return 2;
    }
    if (sams_publisher_open(argv[1], &p, why, sizeof why) != 0) {
        fprintf(stderr, "open: %s\n", why);
        return 2;
    }
    struct sams_placement pl = {
        .event_id = "5b0f8f0e-2f43-4c53-9d0b-8b1f6a1e0c01",
        .occurred_at = "2026-03-02T09:15:00+01:00",
        .district = "farsta",
        .personnummer = argv[2],
        .placement_id = "0c8e2f7a-93a4-4d55-8f51-6e3b8f1a2b01",
        .action = "started",
        .legal_basis = "SoL",
        .placement_form = "familjehem",
        .start_date = "2026-03-02",
        .school_change = 1,
    };
    int rc = sams_publish_placement(p, &pl, &ticket, why, sizeof why);
    if (rc != 0) {
        fprintf(stderr, "invalid: %s\n", why);
        sams_publisher_close(p);
        return 2;
    }
    rc = sams_publisher_flush(p, 30000);
    printf("event %s: %s\n", pl.event_id,
           sams_publisher_outcome(p, ticket) == SAMS_ACKED ? "acknowledged" : "NOT acknowledged");
    sams_publisher_close(p);
    return rc == 0 ? 0 : 1;
}
