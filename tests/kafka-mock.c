/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kafka-mock.c: a Kafka-protocol broker for the tests: librdkafka's mock cluster on loopback.
 *
 * Prints the bootstrap address (HOST:PORT[,...]) on stdout, then serves until stdin closes or
 * SIGTERM/SIGINT. SIGUSR1, or a line "down" on stdin, takes every broker down (connections
 * refused); SIGUSR2, or "up", brings them back. Each change is reported on stderr. Option:
 * -b N brokers (default 1). Topics are created on first use.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop, down_req, up_req;

static void
on_sig(int sig)
{
	if (sig == SIGUSR1)
		down_req = 1;
	else if (sig == SIGUSR2)
		up_req = 1;
	else
		stop = 1;
}

int
main(int argc, char **argv)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_mock_cluster_t *mc;
	struct sigaction sa;
	char err[512];
	rd_kafka_t *rk;
	int c, brokers = 1, b;
	char line[256];
	size_t used = 0;

	while ((c = getopt(argc, argv, "b:")) != -1) {
		if (c != 'b') {
			fprintf(stderr, "usage: kafka-mock [-b BROKERS]\n");
			return 2;
		}
		brokers = atoi(optarg);
	}
	if (brokers < 1)
		return 2;
	/* the mock cluster belongs to a client handle; it needs no broker itself */
	if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err)) != RD_KAFKA_CONF_OK)
		return 1;
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "kafka-mock: %s\n", err);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, brokers);
	if (!mc) {
		fprintf(stderr, "kafka-mock: cannot start the mock cluster\n");
		rd_kafka_destroy(rk);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (!stop) {
		struct pollfd p = { 0, POLLIN, 0 };
		int r = poll(&p, 1, 100);

		if (r > 0) {
			ssize_t n = read(0, line + used, sizeof(line) - 1 - used);
			char *nl;

			if (n <= 0)
				break; /* stdin closed */
			used += (size_t)n;
			line[used] = '\0';
			while ((nl = strchr(line, '\n'))) {
				*nl = '\0';
				if (strcmp(line, "down") == 0)
					down_req = 1;
				else if (strcmp(line, "up") == 0)
					up_req = 1;
				else if (line[0])
					fprintf(stderr, "kafka-mock: unknown command '%s'\n", line);
				used -= (size_t)(nl + 1 - line);
				memmove(line, nl + 1, used + 1);
			}
			if (used == sizeof(line) - 1)
				used = 0; /* a line too long: dropped */
		}
		if (down_req) {
			down_req = 0;
			for (b = 1; b <= brokers; b++)
				rd_kafka_mock_broker_set_down(mc, b);
			fprintf(stderr, "kafka-mock: brokers down\n");
		}
		if (up_req) {
			up_req = 0;
			for (b = 1; b <= brokers; b++)
				rd_kafka_mock_broker_set_up(mc, b);
			fprintf(stderr, "kafka-mock: brokers up\n");
		}
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
