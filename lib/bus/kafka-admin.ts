import kafkajs from 'kafkajs';
import { isStaleMetadata, sleep, type KafkaClients } from './kafka-clients.ts';
import type { BusAdmin } from './types.ts';

const { AssignerProtocol } = kafkajs;

// The Bus port's admin calls on Kafka, each through the shared admin client (kafka-clients.ts).

export function createKafkaAdmin(c: KafkaClients): BusAdmin {
  const admin: BusAdmin = {
    async createTopics(specs) {
      if (!specs.length) return;
      await c.withAdmin((a) =>
        a.createTopics({
          waitForLeaders: true,
          topics: specs.map((s) => ({
            topic: s.topic,
            numPartitions: s.numPartitions ?? 3,
            configEntries: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
          })),
        }),
      );
    },
    async ensureTopics(specs) {
      const existing = new Set(await c.withAdmin((a) => a.listTopics()));
      const missing = specs.filter((s) => !existing.has(s.topic));
      if (!missing.length) return;
      try {
        await admin.createTopics(missing);
      } catch (err) {
        // Another process may have created them in between; only fail if they are still missing.
        const now = new Set(await c.withAdmin((a) => a.listTopics()));
        if (missing.some((s) => !now.has(s.topic))) throw err;
      }
      // A topic just created can still be unknown to a metadata request for it (seen on a busy
      // KRaft broker), and a consumer subscribing to it then fails: return once it answers.
      const topics = missing.map((s) => s.topic);
      for (let attempt = 0; ; attempt++) {
        try {
          await c.withAdmin((a) => a.fetchTopicMetadata({ topics }));
          return;
        } catch (err) {
          if (!isStaleMetadata(err) || attempt >= 50) throw err;
          await sleep(100);
        }
      }
    },
    async deleteTopics(names) {
      await c.withAdmin((a) => a.deleteTopics({ topics: [...names] }));
      // These clients knew those topics; fresh ones will not ask for their metadata again.
      await c.resetAdmin();
      await c.dropProducer();
    },
    async listTopics() {
      return c.withAdmin((a) => a.listTopics());
    },
    async topicConfigs(names) {
      if (!names.length) return {};
      const res = await c.withAdmin((a) =>
        a.describeConfigs({
          includeSynonyms: false,
          resources: names.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name })),
        }),
      );
      const out: Record<string, Record<string, string>> = {};
      for (const r of res.resources) {
        if (r.errorCode !== 0) continue;
        out[r.resourceName] = Object.fromEntries(
          r.configEntries.filter((e) => e.configValue !== null).map((e) => [e.configName, e.configValue]),
        );
      }
      return out;
    },
    async topicOffsets(topic) {
      const res = await c.withAdmin((a) => a.fetchTopicOffsets(topic));
      return res
        .map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }))
        .sort((x, y) => x.partition - y.partition);
    },
    async listGroups() {
      const res = await c.withAdmin((a) => a.listGroups());
      return res.groups.map((g) => g.groupId);
    },
    async describeGroups(ids) {
      if (!ids.length) return [];
      const res = await c.withAdmin((a) => a.describeGroups([...ids]));
      return res.groups.map((g) => ({
        groupId: g.groupId,
        state: g.state,
        members: g.members.map((m) => {
          let assignments: { topic: string; partitions: number[] }[] = [];
          try {
            const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
            assignments = Object.entries(decoded?.assignment ?? {}).map(([topic, partitions]) => ({
              topic,
              partitions,
            }));
          } catch {
            // A member of a non-consumer protocol (Connect, Streams) has another assignment format.
          }
          return { memberId: m.memberId, clientId: m.clientId, host: m.clientHost, assignments };
        }),
      }));
    },
    async committedOffsets(groupId, topics) {
      // Never `resolveOffsets: true`: it commits on the group's behalf.
      const res = await c.withAdmin((a) =>
        a.fetchOffsets({ groupId, ...(topics && { topics: [...topics] }) }),
      );
      return res.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: Number(p.offset) })),
      );
    },
  };
  return admin;
}
