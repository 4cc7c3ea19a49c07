package dev.sqlitebackup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package arrows go one way: the engine ({@code dev.sqlitebackup}) uses the codecs, a leaf;
 * the stores implement the engine's {@code BackupStore}; {@code autoconfigure} wires them and uses
 * {@code actuate} and {@code event}; never back, and no cycle anywhere. Read from the main sources, so that a
 * wrong-way import fails the build where it is written.
 */
class PackageDependencyTests {

	private static final Path SOURCES = Path.of("src/main/java");

	private static final String ROOT = "dev.sqlitebackup";

	private static final String AUTOCONFIGURE = ROOT + ".autoconfigure";

	private static final String ACTUATE = ROOT + ".actuate";

	private static final String EVENT = ROOT + ".event";

	private static final String SPRING = "org.springframework";

	private static List<SourceFile> sources;

	@BeforeAll
	static void readSources() {
		sources = SourceFile.readAll(SOURCES);
	}

	@Test
	void theSourcesHoldEveryPackageTheRulesAreAbout() {
		assertThat(sources).extracting(SourceFile::pkg)
			.contains(ROOT, ROOT + ".store", ROOT + ".store.s3", ROOT + ".codec", AUTOCONFIGURE, ACTUATE, EVENT);
	}

	@Test
	void actuateDoesNotDependOnAutoconfigure() {
		assertNoReference(in(ACTUATE), AUTOCONFIGURE);
	}

	@Test
	void eventDoesNotDependOnAutoconfigureOrActuate() {
		assertNoReference(in(EVENT), AUTOCONFIGURE, ACTUATE);
	}

	@Test
	void theEngineDoesNotDependOnSpringNorOnTheSpringSide() {
		assertNoReference(in(AUTOCONFIGURE).or(in(ACTUATE)).or(in(EVENT)).negate(), AUTOCONFIGURE, ACTUATE, EVENT,
				SPRING);
	}

	@Test
	void theEngineDoesNotDependOnAnyStore() {
		assertNoReference((pkg) -> pkg.equals(ROOT), ROOT + ".store");
	}

	@Test
	void codecsDependOnNothingElseOfTheProject() {
		List<String> violations = new ArrayList<>();
		for (SourceFile source : sources) {
			if (in(ROOT + ".codec").test(source.pkg())) {
				source.references()
					.stream()
					.filter((reference) -> in(ROOT).test(reference) && !in(ROOT + ".codec").test(reference))
					.forEach((reference) -> violations.add(source.file() + " uses " + reference));
			}
		}
		assertThat(violations).as("codecs are a leaf: compression and encryption of bytes, nothing more").isEmpty();
	}

	@Test
	void packagesFormNoCycle() {
		Map<String, Set<String>> uses = new TreeMap<>();
		for (SourceFile source : sources) {
			Set<String> targets = uses.computeIfAbsent(source.pkg(), (pkg) -> new TreeSet<>());
			source.references()
				.stream()
				.filter((reference) -> in(ROOT).test(reference) && !reference.equals(source.pkg()))
				.forEach(targets::add);
		}
		List<String> cycles = new ArrayList<>();
		for (String start : uses.keySet()) {
			findCycle(start, start, uses, new ArrayList<>(List.of(start)), new TreeSet<>(), cycles);
		}
		assertThat(cycles).as("cycles between packages").isEmpty();
	}

	private static void findCycle(String start, String current, Map<String, Set<String>> uses, List<String> path,
			Set<String> seen, List<String> cycles) {
		for (String next : uses.getOrDefault(current, Set.of())) {
			if (next.equals(start)) {
				cycles.add(String.join(" -> ", path) + " -> " + start);
			}
			else if (seen.add(next)) {
				path.add(next);
				findCycle(start, next, uses, path, seen, cycles);
				path.remove(path.size() - 1);
			}
		}
	}

	/** Packages named {@code name} or below it. */
	private static Predicate<String> in(String name) {
		return (pkg) -> pkg.equals(name) || pkg.startsWith(name + ".");
	}

	private static void assertNoReference(Predicate<String> from, String... forbidden) {
		List<String> violations = new ArrayList<>();
		for (SourceFile source : sources) {
			if (from.test(source.pkg())) {
				for (String reference : source.references()) {
					for (String name : forbidden) {
						if (in(name).test(reference)) {
							violations.add(source.file() + " uses " + reference);
						}
					}
				}
			}
		}
		assertThat(violations).as("references against the direction of the package arrows").isEmpty();
	}

	/** A main source file, its package and the packages it names. */
	record SourceFile(Path file, String pkg, Set<String> references) {

		private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);

		// Comments and literals name no dependency; a text block, a string, a char, then comments.
		private static final Pattern NOT_CODE = Pattern.compile(
				"\"\"\"[\\s\\S]*?\"\"\"|\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])*'|/\\*[\\s\\S]*?\\*/|//[^\\n]*");

		// A qualified name up to its first capitalised segment: the package it is in.
		private static final Pattern QUALIFIED = Pattern
			.compile("(?<![\\w.])((?:dev\\.sqlitebackup|org\\.springframework)(?:\\.[a-z][a-z0-9_]*)*)");

		static List<SourceFile> readAll(Path root) {
			try (Stream<Path> files = Files.walk(root)) {
				return files.filter((file) -> file.toString().endsWith(".java")).map(SourceFile::read).toList();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		static SourceFile read(Path file) {
			String text;
			try {
				text = Files.readString(file, StandardCharsets.UTF_8);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			String code = NOT_CODE.matcher(text).replaceAll(" ");
			Matcher declaration = PACKAGE.matcher(code);
			if (!declaration.find()) {
				throw new IllegalStateException(file + " has no package declaration");
			}
			String pkg = declaration.group(1);
			Set<String> references = new TreeSet<>();
			Matcher qualified = QUALIFIED.matcher(code.substring(declaration.end()));
			while (qualified.find()) {
				references.add(qualified.group(1));
			}
			return new SourceFile(file, pkg, references);
		}

	}

}
